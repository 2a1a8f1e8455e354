using System.Management.Automation;
using PSCharRnn.Model;
using PSCharRnn.Persistence;

namespace PSCharRnn.Commands;

/// <summary>
/// Lets a model cross a process or a machine (Start-Job, Invoke-Command, Export-Clixml): PSCharRnn.Types.ps1xml
/// serializes it with its file's bytes as <see cref="Property"/>, and names this converter as the target of a
/// deserialized model, which it turns back into a live <see cref="RnnModel"/>, optimizer state and history included.
/// </summary>
public sealed class RnnModelDeserializer : PSTypeConverter
{
    /// <summary>The serialized property that carries the model's file.</summary>
    public const string Property = "SerializedModel";

    /// <summary>The types file's code property: the bytes of the model's file.</summary>
    public static byte[] SerializedModel(PSObject instance) => ModelFile.ToBytes((RnnModel)instance.BaseObject);

    public override bool CanConvertFrom(object sourceValue, Type destinationType) => Bytes(sourceValue) is not null;

    public override object ConvertFrom(object sourceValue, Type destinationType, IFormatProvider formatProvider, bool ignoreCase) =>
        ModelFile.FromBytes(Bytes(sourceValue) ?? throw new PSInvalidCastException($"The object carries no {Property}."), "a model that crossed a session");

    public override bool CanConvertTo(object sourceValue, Type destinationType) => false;

    public override object ConvertTo(object sourceValue, Type destinationType, IFormatProvider formatProvider, bool ignoreCase) =>
        throw new PSInvalidCastException($"A deserialized model converts only to {nameof(RnnModel)}.");

    private static byte[]? Bytes(object sourceValue) => (sourceValue as PSObject)?.Properties[Property]?.Value switch
    {
        byte[] bytes => bytes,
        PSObject { BaseObject: byte[] bytes } => bytes,
        _ => null,
    };
}
