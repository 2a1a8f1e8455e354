namespace PSCharRnn.Model;

/// <summary>
/// The probabilities with which training zeroes parts of a model (none applies at inference), each with the
/// parameter that sets it and its key in a model file, in one place.
/// </summary>
public sealed record DropoutRates
{
    /// <summary>The largest rate a parameter accepts: a rate of 1 would zero everything.</summary>
    public const double Max = 0.99;

    public static readonly DropoutRates None = new();

    private readonly double betweenLayers, input, output, recurrent, character;

    /// <summary>-Dropout: units zeroed between stacked layers, a mask per step (the chapter's, section 6.9).</summary>
    public double BetweenLayers { get => betweenLayers; init => betweenLayers = Checked(value); }

    /// <summary>-InputDropout: units of a character's input vector (its embedding, or its row of layer 0's W_x*), one mask per sequence.</summary>
    public double Input { get => input; init => input = Checked(value); }

    /// <summary>-OutputDropout: units of the top layer's states before the output layer reads them, one mask per sequence.</summary>
    public double Output { get => output; init => output = Checked(value); }

    /// <summary>-RecurrentDropout: each recurrent weight (W_h*) per minibatch, AWD-LSTM's weight drop (DropConnect).</summary>
    public double Recurrent { get => recurrent; init => recurrent = Checked(value); }

    /// <summary>
    /// -CharacterDropout: a character's whole input vector blanked at a position, so the model learns to predict from
    /// less context (blank noising, Xie et al. 2017, the network's analogue of an n-gram's back-off).
    /// </summary>
    public double Character { get => character; init => character = Checked(value); }

    /// <summary>Each rate's parameter name and model-file key, with how to read and set it.</summary>
    public static readonly IReadOnlyList<(string Parameter, string FileKey, Func<DropoutRates, double> Get, Func<DropoutRates, double, DropoutRates> With)> Kinds =
    [
        ("Dropout", "dropout", r => r.BetweenLayers, (r, v) => r with { BetweenLayers = v }),
        ("InputDropout", "input_dropout", r => r.Input, (r, v) => r with { Input = v }),
        ("OutputDropout", "output_dropout", r => r.Output, (r, v) => r with { Output = v }),
        ("RecurrentDropout", "recurrent_dropout", r => r.Recurrent, (r, v) => r with { Recurrent = v }),
        ("CharacterDropout", "character_dropout", r => r.Character, (r, v) => r with { Character = v }),
    ];

    /// <summary>These rates with the ones given in place of theirs; a null keeps a rate.</summary>
    public DropoutRates With(double? betweenLayers, double? input, double? output, double? recurrent, double? character) => this with
    {
        BetweenLayers = betweenLayers ?? BetweenLayers,
        Input = input ?? Input,
        Output = output ?? Output,
        Recurrent = recurrent ?? Recurrent,
        Character = character ?? Character,
    };

    /// <summary>Whether any dropout applies to a model of <paramref name="numLayers"/> layers (between-layer dropout needs two).</summary>
    public bool AppliesTo(int numLayers) => Input > 0 || Output > 0 || Recurrent > 0 || Character > 0 || (BetweenLayers > 0 && numLayers > 1);

    private static double Checked(double value) => value is >= 0 and <= Max
        ? value
        : throw new PSCharRnnException("DropoutOutOfRange", ErrorKind.InvalidArgument, value, $"Dropout is a probability in [0, {Max}], not {value}.");
}
