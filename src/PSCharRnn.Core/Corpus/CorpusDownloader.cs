using System.Security.Cryptography;

namespace PSCharRnn.Corpus;

/// <summary>
/// Downloads a file and keeps it only when its SHA-256 matches: it is written atomically, and a failed
/// check or download discards the temporary file, so a failure never leaves a file behind.
/// </summary>
public sealed class CorpusDownloader
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(100) };

    /// <summary>Called with (bytes so far, total bytes or null) as the download goes.</summary>
    public Action<long, long?>? Progress { get; init; }

    public string Download(Uri uri, string destination, string expectedSha256, CancellationToken cancel)
    {
        // The data folder is made for the download, and removed again when the download fails and leaves it empty.
        string folder = Path.GetDirectoryName(Path.GetFullPath(destination))!;
        bool created = !Directory.Exists(folder);
        Directory.CreateDirectory(folder);
        try
        {
            Files.AtomicFile.Write(destination, "CorpusWriteFailed", target =>
            {
                string actual = Fetch(uri, target, destination, cancel);
                if (!actual.Equals(expectedSha256, StringComparison.OrdinalIgnoreCase))
                    throw new PSCharRnnException("CorpusChecksumMismatch", ErrorKind.SecurityError, uri,
                        $"The file downloaded from '{uri}' has SHA-256 {actual}, not the expected {expectedSha256}; " +
                        $"it was discarded. {HowToPlaceByHand(destination)}");
            });
        }
        catch
        {
            if (created && !Directory.EnumerateFileSystemEntries(folder).Any()) Directory.Delete(folder);
            throw;
        }
        return destination;
    }

    public static string HowToPlaceByHand(string destination) =>
        $"To place the file by hand, save {BookCorpus.FileName} (SHA-256 {BookCorpus.Sha256}) as '{destination}', " +
        $"or put it in a folder named by ${BookCorpus.DataFolderVariable}.";

    private string Fetch(Uri uri, Stream target, string destination, CancellationToken cancel)
    {
        try
        {
            using var response = Http.GetAsync(uri, HttpCompletionOption.ResponseHeadersRead, cancel).GetAwaiter().GetResult();
            if (!response.IsSuccessStatusCode)
                throw new PSCharRnnException("CorpusDownloadFailed", ErrorKind.ResourceUnavailable, uri,
                    $"Downloading '{uri}' failed: HTTP {(int)response.StatusCode} {response.ReasonPhrase}. " +
                    HowToPlaceByHand(destination));
            long? total = response.Content.Headers.ContentLength;
            using var source = response.Content.ReadAsStream(cancel);
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            var buffer = new byte[81920];
            long received = 0;
            int read;
            while ((read = source.Read(buffer, 0, buffer.Length)) > 0)
            {
                cancel.ThrowIfCancellationRequested();
                target.Write(buffer, 0, read);
                hash.AppendData(buffer, 0, read);
                received += read;
                Progress?.Invoke(received, total);
            }
            return Convert.ToHexString(hash.GetHashAndReset()).ToLowerInvariant();
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException or TaskCanceledException && !cancel.IsCancellationRequested)
        {
            throw new PSCharRnnException("CorpusDownloadFailed", ErrorKind.ConnectionError, uri,
                $"Downloading '{uri}' failed: {ex.Message}. " +
                HowToPlaceByHand(destination), ex);
        }
    }
}
