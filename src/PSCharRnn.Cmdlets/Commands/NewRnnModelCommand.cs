using System.Management.Automation;
using PSCharRnn.Corpus;
using PSCharRnn.Model;
using PSCharRnn.Training;

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

    /// <summary>The recurrent cell: RNN (section 6.4), GRU (6.7) or LSTM (6.8).</summary>
    [Parameter]
    public CellType CellType { get; set; } = CellType.RNN;

    /// <summary>Hidden units per layer (the book uses 256).</summary>
    [Parameter]
    [ValidateRange(1, ModelDescription.MaxHiddenSize)]
    public int HiddenSize { get; set; } = ModelDescription.DefaultHiddenSize;

    /// <summary>Units of a character embedding apart from the hidden size (0: none, the book's one-hot input, where layer 0's W_x* rows are the embedding).</summary>
    [Parameter]
    [ValidateRange(0, ModelDescription.MaxHiddenSize)]
    public int EmbeddingSize { get; set; }

    /// <summary>Tie the output layer's weights to the embedding (W_hq = embeddingᵀ, Press and Wolf 2017): fewer parameters, and rare characters learn one vector for reading and writing. Needs -EmbeddingSize equal to -HiddenSize.</summary>
    [Parameter]
    public SwitchParameter TieWeights { get; set; }

    /// <summary>Stacked recurrent layers (section 6.9); each reads the hidden states of the one below.</summary>
    [Parameter]
    [ValidateRange(1, ModelDescription.MaxLayers)]
    public int NumLayers { get; set; } = ModelDescription.DefaultLayers;

    /// <summary>Probability of zeroing a unit between stacked layers while training (0: none); prediction never drops.</summary>
    [Parameter]
    [ValidateNumber(0.0, DropoutRates.Max)]
    public double Dropout { get; set; }

    /// <summary>Probability of zeroing a unit of each character's input vector while training, one mask per sequence (0: none).</summary>
    [Parameter]
    [ValidateNumber(0.0, DropoutRates.Max)]
    public double InputDropout { get; set; }

    /// <summary>Probability of zeroing a unit of the top layer's states before the output layer while training, one mask per sequence (0: none).</summary>
    [Parameter]
    [ValidateNumber(0.0, DropoutRates.Max)]
    public double OutputDropout { get; set; }

    /// <summary>Probability of zeroing each recurrent weight (W_h*) for a minibatch while training: AWD-LSTM's weight drop (0: none).</summary>
    [Parameter]
    [ValidateNumber(0.0, DropoutRates.Max)]
    public double RecurrentDropout { get; set; }

    /// <summary>Probability of blanking a character's whole input vector at a position while training, so the model learns to predict from less context (0: none).</summary>
    [Parameter]
    [ValidateNumber(0.0, DropoutRates.Max)]
    public double CharacterDropout { get; set; }

    /// <summary>Seed for the initial weights; the same seed gives the same model.</summary>
    [Parameter]
    [ValidateRange(0, long.MaxValue)]
    public long? Seed { get; set; }

    /// <summary>Where the tensors live; only 'cpu' is available.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(DeviceArgument))]
    public string Device { get; set; } = DeviceArgument.Cpu;

    protected override void ProcessRecord() => Run(() =>
    {
        var vocabulary = ParameterSetName == CorpusSet
            ? Corpus.Vocabulary
            : new Vocabulary(Vocabulary.SelectMany(LyricsCorpus.Characters));
        var settings = new ModelSettings
        {
            Cell = CellType, HiddenSize = HiddenSize, NumLayers = NumLayers, EmbeddingSize = EmbeddingSize, TieWeights = TieWeights,
            Dropouts = DropoutRates.None.With(betweenLayers: Dropout, input: InputDropout, output: OutputDropout, recurrent: RecurrentDropout, character: CharacterDropout),
        };
        if (ModelSettings.IneffectiveDropout(NumLayers, Dropout) is { } warning) WriteWarning(warning);
        var model = settings.Create(vocabulary, Seed, DeviceArgument.Parse(Device));
        model.Corpus = ParameterSetName == CorpusSet ? Corpus : null;
        WriteObject(model);
    });
}
