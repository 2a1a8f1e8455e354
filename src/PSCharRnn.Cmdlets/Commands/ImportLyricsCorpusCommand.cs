using System.Management.Automation;
using PSCharRnn.Corpus;

namespace PSCharRnn.Commands;

[Cmdlet(VerbsData.Import, "LyricsCorpus", DefaultParameterSetName = BookSet, SupportsShouldProcess = true)]
[OutputType(typeof(LyricsCorpus))]
public sealed class ImportLyricsCorpusCommand : FilePathCmdlet
{
    private const string BookSet = "Book";

    private readonly List<(string Source, string Text)> texts = new();

    /// <summary>Keep only the first N characters (the book keeps 10,000; files are taken whole by default).</summary>
    [Parameter]
    [ValidateRange(2, int.MaxValue)]
    public int MaxChars { get; set; }

    /// <summary>Where to download the book's archive from when it is not found locally.</summary>
    [Parameter(ParameterSetName = BookSet)]
    [ValidateNotNull]
    public Uri Uri { get; set; } = new(BookCorpus.DefaultUri);

    protected override string FolderFilter => "*.txt";

    /// <summary>A file that cannot be read is reported on its own (non-terminating); the other files still make the corpus.</summary>
    protected override void ProcessRecord()
    {
        if (ParameterSetName != BookSet) ForEachFile("CorpusFileNotFound", stopOnError: false, file => texts.Add((file, Read(file))));
    }

    protected override void EndProcessing()
    {
        int? maxChars = MyInvocation.BoundParameters.ContainsKey(nameof(MaxChars)) ? MaxChars : null;
        Run(() =>
        {
            if (ParameterSetName == BookSet)
            {
                string? archive = BookCorpus.Find() ?? DownloadBookCorpus();
                if (archive is null) return;
                texts.Add((archive, Read(archive)));
                maxChars ??= CorpusReader.BookLength;
            }
            if (texts.Count == 0) return;            // every file was reported as an error
            var progress = new ProgressRecord(3, "Importing lyrics", "Building the vocabulary and the index sequence") { PercentComplete = -1 };
            bool large = texts.Sum(t => (long)t.Text.Length) > LargeText;
            if (large) WriteProgress(progress);
            var corpus = CorpusReader.Combine(texts, maxChars, Cancellation);
            if (large)
            {
                progress.RecordType = ProgressRecordType.Completed;
                WriteProgress(progress);
            }
            WriteObject(corpus);
        });
    }

    // Texts above this many characters show their progress: reading them takes seconds.
    private const long LargeText = 1 << 22;

    private string Read(string file)
    {
        WriteVerbose($"Reading {file}");
        var record = new ProgressRecord(3, "Importing lyrics", file);
        bool shown = false;
        string text = CorpusReader.ReadFile(file, Cancellation, (path, done, total) =>
        {
            if (total < LargeText) return;
            record = new ProgressRecord(3, "Importing lyrics", $"Reading {System.IO.Path.GetFileName(path)}: {done >> 20:N0} of {total >> 20:N0} MB")
            {
                PercentComplete = (int)(100 * done / total),
            };
            WriteProgress(record);
            shown = true;
        });
        if (shown)
        {
            record.RecordType = ProgressRecordType.Completed;
            WriteProgress(record);
        }
        return text;
    }

    private string? DownloadBookCorpus()
    {
        string destination = System.IO.Path.Combine(PSCharRnn.Files.UserData.Folder, BookCorpus.FileName);
        if (!ShouldProcess(destination, $"Download {Uri} and keep it if its SHA-256 is {BookCorpus.Sha256}"))
            return null;
        var progress = new ProgressRecord(1, "Downloading the lyrics corpus", Uri.ToString());
        var downloader = new CorpusDownloader
        {
            Progress = (received, total) =>
            {
                progress.StatusDescription = total is > 0 ? $"{received:N0} of {total:N0} bytes" : $"{received:N0} bytes";
                progress.PercentComplete = total is > 0 ? (int)(100 * received / total.Value) : -1;
                WriteProgress(progress);
            },
        };
        string path = downloader.Download(Uri, destination, BookCorpus.Sha256, Cancellation);
        progress.RecordType = ProgressRecordType.Completed;
        WriteProgress(progress);
        return path;
    }
}
