using System.Management.Automation;
using PSCharRnn.Corpus;

namespace PSCharRnn.Commands;

[Cmdlet(VerbsData.Import, "LyricsCorpus", DefaultParameterSetName = BookSet, SupportsShouldProcess = true)]
[OutputType(typeof(LyricsCorpus))]
public sealed class ImportLyricsCorpusCommand : FilePathCmdlet
{
    private const string BookSet = "Book";

    private readonly List<string> files = new();

    /// <summary>Keep only the first N characters (the book keeps 10,000; files are taken whole by default).</summary>
    [Parameter]
    [ValidateRange(2, int.MaxValue)]
    public int MaxChars { get; set; }

    /// <summary>Where to download the book's archive from when it is not found locally.</summary>
    [Parameter(ParameterSetName = BookSet)]
    [ValidateNotNull]
    public Uri Uri { get; set; } = new(BookCorpus.DefaultUri);

    protected override string FolderFilter => "*.txt";

    protected override void ProcessRecord()
    {
        if (ParameterSetName != BookSet) ForEachFile("CorpusFileNotFound", stopOnError: true, files.Add);
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
                files.Add(archive);
                maxChars ??= CorpusReader.BookLength;
            }
            WriteVerbose($"Reading {string.Join(", ", files)}");
            WriteObject(CorpusReader.Read(files, maxChars));
        });
    }

    private string? DownloadBookCorpus()
    {
        string destination = System.IO.Path.Combine(BookCorpus.UserDataFolder(), BookCorpus.FileName);
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
