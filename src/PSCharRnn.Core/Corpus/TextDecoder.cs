using System.Buffers;
using System.Text;
using System.Text.Unicode;

namespace PSCharRnn.Corpus;

/// <summary>
/// Bytes to text without silent replacement: UTF-8 (with or without its byte-order mark), or UTF-16 when a byte-order
/// mark says so (what Windows Notepad and PowerShell 5's Out-File write). An invalid byte is an error naming the file
/// and offset.
/// </summary>
public static class TextDecoder
{
    private static readonly byte[] Utf16LittleEndianMark = { 0xFF, 0xFE };
    private static readonly byte[] Utf16BigEndianMark = { 0xFE, 0xFF };

    // Decoded in slices, so that Ctrl+C is honoured within a text of hundreds of megabytes.
    private const int SliceBytes = 4 << 20;

    public static string Decode(byte[] bytes, string source, CancellationToken cancel = default)
    {
        ReadOnlySpan<byte> input = bytes;
        if (input.StartsWith(Utf16LittleEndianMark)) return DecodeUtf16(bytes, source, bigEndian: false);
        if (input.StartsWith(Utf16BigEndianMark)) return DecodeUtf16(bytes, source, bigEndian: true);
        int start = input.StartsWith(Encoding.UTF8.Preamble) ? 3 : 0;
        // NUL is valid UTF-8 but never in lyrics; every other byte NUL is UTF-16 without its mark.
        if (LooksLikeUtf16(input[start..]))
            throw new PSCharRnnException("CorpusLooksLikeUtf16", ErrorKind.InvalidData, source,
                $"'{source}' looks like UTF-16 without a byte-order mark (every other byte is 0). {ConvertHint}");
        return DecodeUtf8(bytes, start, source, cancel);
    }

    private static string DecodeUtf8(byte[] bytes, int start, string source, CancellationToken cancel)
    {
        // Counting first lets the text be decoded straight into its string: one copy of a large text, not three.
        int length = Encoding.UTF8.GetCharCount(bytes, start, bytes.Length - start);
        long failedAt = -1;
        string text = string.Create(length, bytes, (output, input) =>
        {
            int read = start, written = 0;
            while (read < input.Length)
            {
                cancel.ThrowIfCancellationRequested();
                int end = Math.Min(input.Length, read + SliceBytes);
                var status = Utf8.ToUtf16(input.AsSpan(read, end - read), output[written..], out int consumed, out int produced,
                    replaceInvalidSequences: false, isFinalBlock: end == input.Length);
                read += consumed;
                written += produced;
                if (status is OperationStatus.InvalidData or OperationStatus.DestinationTooSmall || (status == OperationStatus.NeedMoreData && consumed == 0))
                {
                    failedAt = read;
                    return;
                }
            }
        });
        if (failedAt < 0) return text;
        throw new PSCharRnnException("CorpusInvalidUtf8", ErrorKind.InvalidData, source,
            $"'{source}' is not valid UTF-8: invalid byte 0x{bytes[failedAt]:X2} at byte offset {failedAt}.");
    }

    private const string ConvertHint =
        "Save it as UTF-8, e.g. Get-Content -Encoding Unicode <file> | Set-Content -Encoding utf8 <new file>, or with a byte-order mark.";

    private static bool LooksLikeUtf16(ReadOnlySpan<byte> bytes)
    {
        var head = bytes[..Math.Min(bytes.Length, 1000)];
        return head.Length >= 4 && head.Count((byte)0) * 4 > head.Length;
    }

    private static string DecodeUtf16(byte[] bytes, string source, bool bigEndian)
    {
        var encoding = new UnicodeEncoding(bigEndian, byteOrderMark: false, throwOnInvalidBytes: true);
        try
        {
            if (bytes.Length % 2 != 0) throw new DecoderFallbackException("odd length", Array.Empty<byte>(), bytes.Length - 1);
            return encoding.GetString(bytes, 2, bytes.Length - 2);
        }
        catch (DecoderFallbackException ex)
        {
            long offset = ex.Index < 0 ? bytes.Length - 1 : ex.Index + 2;
            throw new PSCharRnnException("CorpusInvalidUtf16", ErrorKind.InvalidData, source,
                $"'{source}' starts with a UTF-16 {(bigEndian ? "big" : "little")}-endian byte-order mark but is not valid UTF-16 near byte offset {offset}.", ex);
        }
    }
}
