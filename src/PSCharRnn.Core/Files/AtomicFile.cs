
namespace PSCharRnn.Files;

/// <summary>
/// Replaces a file all at once: the content goes to a temporary file in the same folder, is flushed to disk,
/// then renamed over the target. A process killed mid-write leaves the previous file intact; the next successful
/// write of the same target removes what such a process left behind. Folders are not created (as Out-File).
/// </summary>
public static class AtomicFile
{
    /// <summary>Throws <paramref name="errorId"/> naming the target unless it is a file path in an existing folder.</summary>
    public static string CheckWritable(string path, string errorId)
    {
        string full = Path.GetFullPath(path);
        if (Directory.Exists(full))
            throw WriteFailed(errorId, full, "it is a directory; give a file name");
        string folder = Path.GetDirectoryName(full)!;
        if (!Directory.Exists(folder))
            throw WriteFailed(errorId, full, $"the folder '{folder}' does not exist (create it first, e.g. with New-Item -ItemType Directory)");
        return full;
    }

    public static void Write(string path, string errorId, Action<Stream> write)
    {
        string full = CheckWritable(path, errorId);
        string folder = Path.GetDirectoryName(full)!;
        string temporary = Path.Combine(folder, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temporary, full, overwrite: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            string reason = ex switch
            {
                UnauthorizedAccessException => "permission denied",
                FileNotFoundException or DirectoryNotFoundException => "its folder does not accept new files",
                _ => ex.Message.Replace(temporary, full),
            };
            throw WriteFailed(errorId, full, reason, ex);
        }
        finally
        {
            if (File.Exists(temporary)) File.Delete(temporary);
        }
        RemoveStaleTemporaries(folder, Path.GetFileName(full));
    }

    private static void RemoveStaleTemporaries(string folder, string name)
    {
        foreach (var stale in Directory.EnumerateFiles(folder, $".{name}.*.tmp"))
        {
            try
            {
                // A writer still at work holds its temporary file exclusively (an advisory lock on Unix); a killed one holds nothing.
                using (new FileStream(stale, FileMode.Open, FileAccess.ReadWrite, FileShare.None)) { }
                File.Delete(stale);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // In use by another writer, or not ours to delete: leave it.
            }
        }
    }

    private static PSCharRnnException WriteFailed(string errorId, string path, string reason, Exception? inner = null) =>
        new(errorId, ErrorKind.WriteError, path, $"Cannot write '{path}': {reason}. Nothing was changed.", inner);
}
