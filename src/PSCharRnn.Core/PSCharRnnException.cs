namespace PSCharRnn;

/// <summary>
/// An error the core raises with everything a caller needs to report it: a stable id, a kind and the offending value.
/// The cmdlets turn it into an ErrorRecord; a program without PowerShell catches it as it is.
/// </summary>
public sealed class PSCharRnnException : Exception
{
    public PSCharRnnException(string errorId, ErrorKind kind, object? target, string message, Exception? inner = null)
        : base(message, inner)
    {
        ErrorId = errorId;
        Kind = kind;
        Target = target;
    }

    /// <summary>An identifier that stays the same from release to release, for scripts that handle one error.</summary>
    public string ErrorId { get; }

    public ErrorKind Kind { get; }

    /// <summary>The value that caused the error: a path, a parameter's value, a character.</summary>
    public object? Target { get; }
}
