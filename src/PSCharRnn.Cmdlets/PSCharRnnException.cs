using System.Management.Automation;

namespace PSCharRnn;

/// <summary>
/// An error the maths and file classes raise with everything a cmdlet needs for its ErrorRecord:
/// a stable id, a category and the offending value.
/// </summary>
public sealed class PSCharRnnException : Exception
{
    public PSCharRnnException(string errorId, ErrorCategory category, object? target, string message, Exception? inner = null)
        : base(message, inner)
    {
        ErrorId = errorId;
        Category = category;
        Target = target;
    }

    public string ErrorId { get; }
    public ErrorCategory Category { get; }
    public object? Target { get; }

    public ErrorRecord ToErrorRecord() => new(this, ErrorId, Category, Target);
}
