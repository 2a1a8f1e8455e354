using System.Management.Automation;

namespace PSCharRnn.Commands;

/// <summary>What every PSCharRnn cmdlet shares: Ctrl+C as a cancellation token, and errors as ErrorRecords.</summary>
public abstract class PSCharRnnCmdlet : PSCmdlet, IDisposable
{
    private readonly CancellationTokenSource stopping = new();

    protected CancellationToken Cancellation => stopping.Token;

    protected override void StopProcessing() => stopping.Cancel();

    /// <summary>Runs an action and turns the library's exceptions into terminating errors with stable ids.</summary>
    protected void Run(Action action)
    {
        try
        {
            action();
        }
        catch (PSCharRnnException ex)
        {
            ThrowTerminatingError(ex.ToErrorRecord());
        }
        catch (OperationCanceledException) when (Cancellation.IsCancellationRequested)
        {
            throw new PipelineStoppedException();
        }
        catch (Native.NativeLibraryException ex)
        {
            ThrowTerminatingError(new ErrorRecord(ex, "NativeLibraryLoadFailed", ErrorCategory.ResourceUnavailable, Native.NativeSetup.BinFolder));
        }
    }

    /// <summary>Existing files for a path (wildcards expanded unless literal), or an error with the given id.</summary>
    protected IReadOnlyList<string> ResolveFiles(string path, bool literal, string notFoundErrorId)
    {
        PSCharRnnException NotFound(Exception? inner = null) =>
            new(notFoundErrorId, ErrorCategory.ObjectNotFound, path, $"Cannot find the file '{path}'.", inner);
        if (literal)
        {
            string resolved = GetUnresolvedProviderPathFromPSPath(path);
            return File.Exists(resolved) ? new[] { resolved } : throw NotFound();
        }
        try
        {
            var resolved = GetResolvedProviderPathFromPSPath(path, out _);
            return resolved.Count > 0 ? resolved.ToList() : throw NotFound();
        }
        catch (ItemNotFoundException ex)
        {
            throw NotFound(ex);
        }
    }

    public void Dispose()
    {
        stopping.Dispose();
        GC.SuppressFinalize(this);
    }
}
