namespace PSCharRnn;

/// <summary>What kind of failure an error is. The names are PowerShell's ErrorCategory names, which the cmdlets map them to.</summary>
public enum ErrorKind
{
    InvalidArgument,
    InvalidData,
    InvalidResult,
    LimitsExceeded,
    NotImplemented,
    ObjectNotFound,
    PermissionDenied,
    ReadError,
    WriteError,
    ResourceBusy,
    ResourceExists,
    ResourceUnavailable,
    SecurityError,
    ConnectionError,
    NotInstalled,
}
