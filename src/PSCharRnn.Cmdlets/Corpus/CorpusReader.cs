using System.Buffers;
using System.IO.Compression;
using System.Management.Automation;
using System.Text;
using System.Text.Unicode;

namespace PSCharRnn.Corpus;

/// <summary>Reads lyrics from .txt files or the .txt entries of .zip files, as the book prepares them.</summary>
public static class CorpusReader
{
    /// <summary>The book's cut: the first 10,000 characters of the lyrics.</summary>
    public const int BookLength = 10_000;

    public static LyricsCorpus Read(IReadOnlyList<string> paths, int? maxChars)
    {
        if (maxChars is < 2)
            throw new PSCharRnnException("MaxCharsTooSmall", ErrorCategory.InvalidArgument, maxChars,
                $"MaxChars must be at least 2 (an input and its next character); it was {maxChars}.");
        var text = new StringBuilder();
        foreach (var path in paths)
        {
            if (text.Length > 0) text.Append(' ');
            text.Append(ReadFile(path));
        }
        string normalized = Normalize(text.ToString(), maxChars);
        if (LyricsCorpus.Characters(normalized).Length < 2)
            throw new PSCharRnnException("CorpusEmpty", ErrorCategory.InvalidData, string.Join(", ", paths),
                $"The text read from '{string.Join(", ", paths)}' has fewer than 2 characters: there is nothing to learn.");
        return new LyricsCorpus(normalized, paths);
    }

    /// <summary>Line breaks become spaces (the book's replace of '\n' and '\r'), then the first maxChars characters.</summary>
    public static string Normalize(string text, int? maxChars)
    {
        string flat = text.Replace('\n', ' ').Replace('\r', ' ');
        if (maxChars is null) return flat;
        int end = 0, taken = 0;
        foreach (var rune in flat.EnumerateRunes())
        {
            if (taken++ == maxChars) break;
            end += rune.Utf16SequenceLength;
        }
        return flat[..end];
    }

    public static string ReadFile(string path)
    {
        if (!File.Exists(path))
            throw new PSCharRnnException("CorpusFileNotFound", ErrorCategory.ObjectNotFound, path,
                $"Cannot find the corpus file '{path}'.");
        return Path.GetExtension(path).Equals(".zip", StringComparison.OrdinalIgnoreCase)
            ? ReadZip(path)
            : DecodeStrict(File.ReadAllBytes(path), path);
    }

    private static string ReadZip(string path)
    {
        ZipArchive archive;
        try
        {
            archive = ZipFile.OpenRead(path);
        }
        catch (InvalidDataException ex)
        {
            throw new PSCharRnnException("CorpusZipInvalid", ErrorCategory.InvalidData, path,
                $"'{path}' is not a readable zip archive: {ex.Message}", ex);
        }
        using (archive)
        {
            var entries = archive.Entries
                .Where(e => e.FullName.EndsWith(".txt", StringComparison.OrdinalIgnoreCase))
                .ToList();
            if (entries.Count == 0)
                throw new PSCharRnnException("CorpusZipHasNoText", ErrorCategory.InvalidData, path,
                    $"The zip archive '{path}' holds no .txt entry; it has: {string.Join(", ", archive.Entries.Select(e => e.FullName))}.");
            return string.Join(' ', entries.Select(entry =>
            {
                using var stream = entry.Open();
                using var buffer = new MemoryStream();
                stream.CopyTo(buffer);
                return DecodeStrict(buffer.ToArray(), $"{path}!{entry.FullName}");
            }));
        }
    }

    /// <summary>UTF-8 without silent replacement: an invalid byte is an error naming the file and offset.</summary>
    public static string DecodeStrict(byte[] bytes, string source)
    {
        ReadOnlySpan<byte> input = bytes;
        if (input.StartsWith(Encoding.UTF8.Preamble)) input = input[3..];
        var chars = ArrayPool<char>.Shared.Rent(input.Length + 1);
        try
        {
            var status = Utf8.ToUtf16(input, chars, out int read, out int written, replaceInvalidSequences: false);
            if (status != OperationStatus.Done)
            {
                long offset = read + (bytes.Length - input.Length);
                throw new PSCharRnnException("CorpusInvalidUtf8", ErrorCategory.InvalidData, source,
                    $"'{source}' is not valid UTF-8: invalid byte 0x{bytes[offset]:X2} at byte offset {offset}.");
            }
            return new string(chars, 0, written);
        }
        finally
        {
            ArrayPool<char>.Shared.Return(chars);
        }
    }
}
