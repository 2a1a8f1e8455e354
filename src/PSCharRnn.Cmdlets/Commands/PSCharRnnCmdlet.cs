using System.Management.Automation;

namespace PSCharRnn.Commands;

/// <summary>What every PSCharRnn cmdlet shares: Ctrl+C as a cancellation token, and errors as ErrorRecords.</summary>
public abstract class PSCharRnnCmdlet : PSCmdlet, IDisposable
{
    private readonly CancellationTokenSource stopping = new();

    protected CancellationToken Cancellation => stopping.Token;

    protected override void StopProcessing() => stopping.Cancel();

    /// <summary>Runs an action and turns the library's exceptions into terminating errors with stable ids.</summary>
    protected void Run(Action action) => Guard(action, ThrowTerminatingError);

    /// <summary>Runs an action and reports the library's exceptions as non-terminating errors, so that the next input is still processed.</summary>
    protected void Report(Action action) => Guard(action, WriteError);

    private void Guard(Action action, Action<ErrorRecord> fail)
    {
        try
        {
            action();
        }
        catch (PSCharRnnException ex)
        {
            fail(ex.ToErrorRecord());
        }
        catch (OperationCanceledException) when (Cancellation.IsCancellationRequested)
        {
            throw new PipelineStoppedException();
        }
        catch (Native.NativeLibraryException ex)
        {
            fail(new ErrorRecord(ex, "NativeLibraryLoadFailed", ErrorCategory.ResourceUnavailable, Native.TorchRuntime.Folder));
        }
    }

    public void Dispose()
    {
        stopping.Dispose();
        GC.SuppressFinalize(this);
    }
}
