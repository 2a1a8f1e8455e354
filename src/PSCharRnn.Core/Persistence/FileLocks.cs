
namespace PSCharRnn.Persistence;

/// <summary>
/// Advisory locks on the files a training run writes, held for the whole run: a lock file beside each target
/// (".name.lock"), opened exclusively, which on Unix is an flock that the kernel releases when the process dies. A
/// second run that would write the same file fails at once instead of overwriting the first one's checkpoints.
/// </summary>
public sealed class FileLocks : IDisposable
{
    public const string InUseId = "ModelFileInUse";

    private readonly List<(string Path, FileStream Stream)> held = new();

    /// <summary>Locks every distinct non-null path, or none: throws <see cref="InUseId"/> naming the first one in use.</summary>
    public FileLocks(IEnumerable<string?> targets)
    {
        try
        {
            foreach (var target in targets.OfType<string>().Distinct(StringComparer.Ordinal))
                held.Add((LockPath(target), Acquire(target)));
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public static string LockPath(string target) =>
        Path.Combine(Path.GetDirectoryName(target)!, $".{Path.GetFileName(target)}.lock");

    private static FileStream Acquire(string target)
    {
        string path = LockPath(target);
        try
        {
            var stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            stream.SetLength(0);
            stream.Write(System.Text.Encoding.UTF8.GetBytes($"{Environment.ProcessId} {DateTimeOffset.Now:o}\n"));
            stream.Flush();
            return stream;
        }
        catch (IOException ex)
        {
            throw new PSCharRnnException(InUseId, ErrorKind.ResourceBusy, target,
                $"'{target}' is being written by another training run (it holds the lock '{path}'). Give this run another file, or wait for that one to end.", ex);
        }
        catch (UnauthorizedAccessException ex)
        {
            throw new PSCharRnnException(ModelFile.WriteFailedId, ErrorKind.PermissionDenied, target,
                $"Cannot write '{target}': permission denied for its lock file '{path}'. Nothing was changed.", ex);
        }
    }

    public void Dispose()
    {
        foreach (var (path, stream) in held)
        {
            // Deleted while still held, so no other run can take a lock on a file that is about to vanish.
            try { File.Delete(path); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            stream.Dispose();
        }
        held.Clear();
    }
}
