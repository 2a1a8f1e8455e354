using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using static TorchSharp.torch;

namespace PSCharRnn.Commands;

/// <summary>The -Device seam: only the CPU build of libtorch is shipped, so anything else is a clear error; tab completes 'cpu'.</summary>
public sealed class DeviceArgument : IArgumentCompleter
{
    public const string Cpu = "cpu";

    public static Device Parse(string name)
    {
        if (!name.Equals(Cpu, StringComparison.OrdinalIgnoreCase))
            throw new PSCharRnnException("DeviceNotSupported", ErrorKind.NotImplemented, name,
                $"Device '{name}' is not available: PSCharRnn ships the CPU build of libtorch only. Use -Device cpu.");
        Native.TorchRuntime.EnsureLoaded();
        return CPU;
    }

    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters) =>
        Cpu.StartsWith(wordToComplete, StringComparison.OrdinalIgnoreCase)
            ? new[] { new CompletionResult(Cpu, Cpu, CompletionResultType.ParameterValue, "The CPU build of libtorch") }
            : Array.Empty<CompletionResult>();
}
