using System.Management.Automation;
using PSCharRnn.Corpus;

namespace PSCharRnn.Commands;

/// <summary>Lets a parameter that takes a corpus take plain text too ('我想'), normalized as a corpus file would be.</summary>
public sealed class TextAsCorpusAttribute : ArgumentTransformationAttribute
{
    public override object Transform(EngineIntrinsics engineIntrinsics, object inputData) =>
        (inputData is PSObject wrapped ? wrapped.BaseObject : inputData) switch
        {
            string text => new LyricsCorpus(CorpusReader.Normalize(text, null), new[] { "text" }),
            object[] lines when lines.All(l => (l is PSObject p ? p.BaseObject : l) is string) =>
                new LyricsCorpus(CorpusReader.Normalize(string.Join('\n', lines), null), new[] { "text" }),
            _ => inputData,
        };
}
