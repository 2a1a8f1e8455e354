namespace PSCharRnn.Files;

/// <summary>Reads a whole file in slices, so that a long read of hundreds of megabytes shows progress and honours Ctrl+C.</summary>
public static class SlicedFile
{
    public const int SliceBytes = 4 << 20;

    /// <summary><paramref name="progress"/> receives (bytes read, file length) after each slice.</summary>
    public static byte[] ReadAllBytes(string path, CancellationToken cancel, Action<long, long>? progress = null)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1);
        long length = stream.Length;
        if (length > Array.MaxLength) throw new IOException($"'{path}' has {length} bytes, more than one read can hold ({Array.MaxLength})");
        var bytes = new byte[length];
        for (int done = 0; done < bytes.Length;)
        {
            cancel.ThrowIfCancellationRequested();
            int read = stream.Read(bytes, done, Math.Min(SliceBytes, bytes.Length - done));
            if (read == 0) throw new IOException($"'{path}' ended after {done} of its {length} bytes");
            done += read;
            progress?.Invoke(done, length);
        }
        return bytes;
    }
}
