using System.IO.Compression;
using PSCharRnn.Files;

namespace PSCharRnn.Corpus;

/// <summary>Reads lyrics from .txt files or the .txt entries of .zip files, as the book prepares them.</summary>
public static class CorpusReader
{
    /// <summary>The book's cut: the first 10,000 characters of the lyrics.</summary>
    public const int BookLength = 10_000;

    /// <summary>(file, bytes read, its length): how far a long read has come.</summary>
    public delegate void ReadProgress(string path, long done, long total);

    /// <summary>Texts already read, one space between them, normalized as the book does, as one corpus.</summary>
    public static LyricsCorpus Combine(IReadOnlyList<(string Source, string Text)> parts, int? maxChars, CancellationToken cancel = default)
    {
        if (maxChars is < 2)
            throw new PSCharRnnException("MaxCharsTooSmall", ErrorKind.InvalidArgument, maxChars,
                $"MaxChars must be at least 2 (an input and its next character); it was {maxChars}.");
        var sources = parts.Select(p => p.Source).ToList();
        string normalized = Normalize(string.Join(' ', parts.Select(p => p.Text).ToArray()), maxChars);
        string named = string.Join(", ", sources);
        if (normalized.AsSpan().Trim().IsEmpty)
            throw new PSCharRnnException("CorpusEmpty", ErrorKind.InvalidData, named,
                $"The text read from '{named}' is {(normalized.Length == 0 ? "empty" : "only white space")}: there is nothing to learn.");
        if (normalized.EnumerateRunes().Take(2).Count() < 2)
            throw new PSCharRnnException("CorpusEmpty", ErrorKind.InvalidData, named,
                $"The text read from '{named}' has fewer than 2 characters: there is nothing to learn.");
        return new LyricsCorpus(normalized, sources, cancel);
    }

    /// <summary>
    /// A line break becomes one space (the book's replace of '\n' and '\r'; a Windows "\r\n" is one break, not two),
    /// then the first maxChars characters. One pass and one new string, for texts of many megabytes.
    /// </summary>
    public static string Normalize(string text, int? maxChars)
    {
        int end = 0, length = 0;
        long taken = 0, limit = maxChars ?? long.MaxValue;
        while (end < text.Length && taken < limit)
        {
            bool pair = end + 1 < text.Length && ((text[end] == '\r' && text[end + 1] == '\n') || (char.IsHighSurrogate(text[end]) && char.IsLowSurrogate(text[end + 1])));
            int units = pair ? 2 : 1;
            length += pair && text[end] == '\r' ? 1 : units;
            end += units;
            taken++;
        }
        return string.Create(length, (text, end), static (output, state) =>
        {
            var (source, stop) = state;
            int w = 0;
            for (int r = 0; r < stop; r++)
            {
                char c = source[r];
                if (c == '\r' && r + 1 < stop && source[r + 1] == '\n') r++;
                output[w++] = c is '\n' or '\r' ? ' ' : c;
            }
        });
    }

    /// <summary>The text of a .txt file, or of the .txt entries of a .zip file, decoded strictly.</summary>
    public static string ReadFile(string path, CancellationToken cancel = default, ReadProgress? progress = null)
    {
        if (!File.Exists(path))
            throw new PSCharRnnException("CorpusFileNotFound", ErrorKind.ObjectNotFound, path,
                $"Cannot find the corpus file '{path}'.");
        try
        {
            return Path.GetExtension(path).Equals(".zip", StringComparison.OrdinalIgnoreCase)
                ? ReadZip(path, cancel)
                : TextDecoder.Decode(SlicedFile.ReadAllBytes(path, cancel, (done, total) => progress?.Invoke(path, done, total)), path, cancel);
        }
        catch (UnauthorizedAccessException ex)
        {
            throw new PSCharRnnException("CorpusFileAccessDenied", ErrorKind.PermissionDenied, path,
                $"Cannot read the corpus file '{path}': permission denied.", ex);
        }
        catch (IOException ex)
        {
            throw new PSCharRnnException("CorpusFileUnreadable", ErrorKind.ReadError, path, $"Cannot read the corpus file '{path}': {ex.Message}", ex);
        }
    }

    private static string ReadZip(string path, CancellationToken cancel)
    {
        ZipArchive archive;
        try
        {
            archive = ZipFile.OpenRead(path);
        }
        catch (InvalidDataException ex)
        {
            throw new PSCharRnnException("CorpusZipInvalid", ErrorKind.InvalidData, path,
                $"'{path}' is not a readable zip archive: {ex.Message}", ex);
        }
        using (archive)
        {
            var entries = archive.Entries
                .Where(e => e.FullName.EndsWith(".txt", StringComparison.OrdinalIgnoreCase))
                .ToList();
            if (entries.Count == 0)
                throw new PSCharRnnException("CorpusZipHasNoText", ErrorKind.InvalidData, path,
                    $"The zip archive '{path}' holds no .txt entry; it has: {string.Join(", ", archive.Entries.Select(e => e.FullName))}.");
            return string.Join(' ', entries.Select(entry =>
            {
                cancel.ThrowIfCancellationRequested();
                using var stream = entry.Open();
                using var buffer = new MemoryStream();
                stream.CopyTo(buffer);
                return TextDecoder.Decode(buffer.ToArray(), $"{path}!{entry.FullName}", cancel);
            }));
        }
    }
}
