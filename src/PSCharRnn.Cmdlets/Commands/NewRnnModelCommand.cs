using System.Management.Automation;
using PSCharRnn.Corpus;
using PSCharRnn.Model;

namespace PSCharRnn.Commands;

[Cmdlet(VerbsCommon.New, "RnnModel", DefaultParameterSetName = CorpusSet)]
[OutputType(typeof(RnnModel))]
public sealed class NewRnnModelCommand : PSCharRnnCmdlet
{
    private const string CorpusSet = "Corpus";
    private const string VocabularySet = "Vocabulary";

    /// <summary>The corpus whose vocabulary the model uses; the model remembers it for training.</summary>
    [Parameter(ParameterSetName = CorpusSet, Mandatory = true, Position = 0, ValueFromPipeline = true)]
    [ValidateNotNull]
    public LyricsCorpus Corpus { get; set; } = null!;

    /// <summary>The characters the model knows (sorted and made distinct).</summary>
    [Parameter(ParameterSetName = VocabularySet, Mandatory = true)]
    [ValidateNotNullOrEmpty]
    public string[] Vocabulary { get; set; } = Array.Empty<string>();

    /// <summary>Hidden units (the book uses 256).</summary>
    [Parameter]
    [ValidateRange(1, 8192)]
    public int HiddenSize { get; set; } = 256;

    /// <summary>Seed for the initial weights; the same seed gives the same model.</summary>
    [Parameter]
    [ValidateRange(0, long.MaxValue)]
    public long? Seed { get; set; }

    /// <summary>Where the tensors live; only 'cpu' is available.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string Device { get; set; } = DeviceArgument.Cpu;

    protected override void ProcessRecord() => Run(() =>
    {
        var vocabulary = ParameterSetName == CorpusSet
            ? Corpus.Vocabulary
            : new Vocabulary(Vocabulary.SelectMany(LyricsCorpus.Characters));
        WriteObject(new RnnModel(vocabulary, HiddenSize, Seed, DeviceArgument.Parse(Device))
        {
            Corpus = ParameterSetName == CorpusSet ? Corpus : null,
        });
    });
}
