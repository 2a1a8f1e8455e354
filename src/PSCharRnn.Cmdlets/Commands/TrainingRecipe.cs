using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using System.Reflection;

namespace PSCharRnn.Commands;

/// <summary>
/// A named set of Start-RnnTraining settings kept as data, as nanoGPT keeps its configurations: a PowerShell data file
/// (a hashtable of parameter names and values) shipped in the module's Recipes folder, or any .psd1 a user writes.
/// The file is parsed, never run. Its values go through the parameters' own conversion and validation, and apply only
/// where the user stated nothing: explicit parameters win.
/// </summary>
public sealed class TrainingRecipe
{
    /// <summary>Settings a recipe may not carry: the data, files and devices of one run, and the recipe itself.</summary>
    private static readonly string[] NotRecipeSettings =
        { "Corpus", "Model", "Recipe", "ValidationCorpus", "CheckpointPath", "BestModelPath", "Device", "ExtendVocabulary", "ThreadCount" };

    private TrainingRecipe(string name, string path, IReadOnlyDictionary<string, object?> settings) => (Name, Path, Settings) = (name, path, settings);

    public string Name { get; }
    public string Path { get; }

    /// <summary>Parameter name → value, as the file writes them.</summary>
    public IReadOnlyDictionary<string, object?> Settings { get; }

    /// <summary>The folder of the recipes that ship with the module (beside bin/, where this assembly lies).</summary>
    public static string Folder => System.IO.Path.GetFullPath(System.IO.Path.Combine(
        System.IO.Path.GetDirectoryName(typeof(TrainingRecipe).Assembly.Location)!, "..", "Recipes"));

    public static IEnumerable<string> ShippedNames => Directory.Exists(Folder)
        ? Directory.EnumerateFiles(Folder, "*.psd1").Select(file => System.IO.Path.GetFileNameWithoutExtension(file)).Order()
        : Enumerable.Empty<string>();

    /// <summary>A shipped recipe by name (Book, Lyrics), or a .psd1 file by path.</summary>
    public static TrainingRecipe Load(string nameOrPath)
    {
        bool isPath = nameOrPath.EndsWith(".psd1", StringComparison.OrdinalIgnoreCase) || nameOrPath.IndexOfAny(new[] { '/', '\\' }) >= 0;
        string path = isPath ? System.IO.Path.GetFullPath(nameOrPath) : System.IO.Path.Combine(Folder, nameOrPath + ".psd1");
        if (!File.Exists(path))
            throw new PSCharRnnException("RecipeNotFound", ErrorKind.ObjectNotFound, nameOrPath, isPath
                ? $"Cannot find the recipe file '{path}'."
                : $"There is no recipe named '{nameOrPath}'. The module ships {string.Join(", ", ShippedNames)}; a path to a .psd1 file of your own works too.");
        var ast = Parser.ParseFile(path, out _, out var errors);
        if (errors.Length > 0) throw Invalid(path, $"it does not parse: {errors[0].Message} (line {errors[0].Extent.StartLineNumber})");
        if (ast.Find(a => a is HashtableAst, searchNestedScriptBlocks: false) is not HashtableAst table || ast.EndBlock?.Statements.Count != 1)
            throw Invalid(path, "it is not one hashtable of parameter names and values");
        Hashtable values;
        try
        {
            values = (Hashtable)table.SafeGetValue();
        }
        catch (InvalidOperationException ex)
        {
            throw Invalid(path, $"it holds something other than constant values: {ex.Message}");
        }
        var settings = values.Cast<DictionaryEntry>().ToDictionary(e => e.Key.ToString()!, e => e.Value, StringComparer.OrdinalIgnoreCase);
        return new TrainingRecipe(System.IO.Path.GetFileNameWithoutExtension(path), path, settings);
    }

    /// <summary>
    /// Sets each of the recipe's settings on <paramref name="cmdlet"/> that the user did not state and that
    /// <paramref name="applies"/> accepts, converted and validated as if typed; returns the names it set.
    /// </summary>
    public IReadOnlyList<string> ApplyTo(PSCmdlet cmdlet, Func<string, bool> applies)
    {
        var applied = new List<string>();
        var intrinsics = (EngineIntrinsics)cmdlet.GetVariableValue("ExecutionContext");
        foreach (var (key, value) in Settings)
        {
            var property = cmdlet.GetType().GetProperty(key, BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase);
            if (property?.GetCustomAttribute<ParameterAttribute>() is null || NotRecipeSettings.Contains(property.Name, StringComparer.OrdinalIgnoreCase))
                throw Invalid(Path, $"'{key}' is not a setting a recipe can carry (it takes {cmdlet.MyInvocation.MyCommand.Name}'s training and model parameters)");
            if (cmdlet.MyInvocation.BoundParameters.ContainsKey(property.Name) || !applies(property.Name)) continue;
            object? converted;
            try
            {
                converted = LanguagePrimitives.ConvertTo(value, property.PropertyType);
                foreach (var validation in property.GetCustomAttributes<ValidateArgumentsAttribute>()) Validate(validation, converted, intrinsics);
            }
            catch (Exception ex) when (ex is PSInvalidCastException or ValidationMetadataException or TargetInvocationException { InnerException: ValidationMetadataException })
            {
                throw Invalid(Path, $"its {property.Name} = {value} is not valid: {(ex as TargetInvocationException)?.InnerException?.Message ?? ex.Message}");
            }
            property.SetValue(cmdlet, converted);
            applied.Add(property.Name);
        }
        return applied;
    }

    // The parameter binder runs these; a recipe's values deserve the same checks, and Validate is not public.
    private static readonly MethodInfo ValidateMethod =
        typeof(ValidateArgumentsAttribute).GetMethod("Validate", BindingFlags.NonPublic | BindingFlags.Instance)!;

    private static void Validate(ValidateArgumentsAttribute validation, object? value, EngineIntrinsics intrinsics) =>
        ValidateMethod.Invoke(validation, new[] { value, intrinsics });

    private static PSCharRnnException Invalid(string path, string why) =>
        new("RecipeInvalid", ErrorKind.InvalidData, path, $"The recipe '{path}' cannot be used: {why}.");
}

/// <summary>Tab completion of the shipped recipes' names.</summary>
public sealed class RecipeArgument : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters) =>
        TrainingRecipe.ShippedNames.Where(n => n.StartsWith(wordToComplete, StringComparison.OrdinalIgnoreCase)).Select(n => new CompletionResult(n));
}
