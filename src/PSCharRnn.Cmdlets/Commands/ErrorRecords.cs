using System.Management.Automation;

namespace PSCharRnn.Commands;

/// <summary>The core's errors as PowerShell sees them: the same id and target, the kind as the ErrorCategory of that name.</summary>
public static class ErrorRecords
{
    public static ErrorCategory Category(ErrorKind kind) => Enum.Parse<ErrorCategory>(kind.ToString());

    public static ErrorRecord ToErrorRecord(this PSCharRnnException ex) => new(ex, ex.ErrorId, Category(ex.Kind), ex.Target);
}
