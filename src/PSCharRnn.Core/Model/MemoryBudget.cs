using System.Globalization;

namespace PSCharRnn.Model;

/// <summary>
/// Refuses work that cannot fit in memory before any of it is allocated: a model of 50 layers of 8192 LSTM units
/// would otherwise grow for a minute until the system kills the process.
/// </summary>
public static class MemoryBudget
{
    public const string ModelTooLargeId = "ModelTooLarge";

    /// <summary>What the process may still allocate: the system's available memory (Linux), within the GC's limit (a container's).</summary>
    public static long AvailableBytes()
    {
        long limit = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        return ReadMemAvailable() is long available ? Math.Min(available, limit) : limit;
    }

    private static long? ReadMemAvailable()
    {
        const string meminfo = "/proc/meminfo";
        if (!OperatingSystem.IsLinux() || !File.Exists(meminfo)) return null;
        foreach (var line in File.ReadLines(meminfo))
        {
            if (!line.StartsWith("MemAvailable:", StringComparison.Ordinal)) continue;
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            return long.TryParse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture, out long kib) ? kib * 1024 : null;
        }
        return null;
    }

    /// <summary>Throws <paramref name="errorId"/> when <paramref name="bytes"/> exceed what is available, with both figures.</summary>
    public static void Ensure(long bytes, string what, string errorId, object target)
    {
        long available = AvailableBytes();
        if (bytes <= available) return;
        throw new PSCharRnnException(errorId, ErrorKind.LimitsExceeded, target,
            $"{what} needs about {GiB(bytes)} of memory, and this machine has {GiB(available)} available. Use a smaller -HiddenSize or -NumLayers" +
            (errorId == ModelTooLargeId ? "." : ", or a smaller -BatchSize or -NumSteps."));
    }

    /// <summary>The bytes of a model's float32 parameters.</summary>
    public static long ParameterBytes(ModelDescription description) => description.ParameterCount * sizeof(float);

    /// <summary>Checks that a new model's parameters fit (each is drawn, then scaled: twice its size at the peak).</summary>
    public static void EnsureModelFits(ModelDescription description) =>
        Ensure(2 * ParameterBytes(description), $"A {description} model ({description.ParameterCount:N0} parameters)", ModelTooLargeId, description);

    private static string GiB(long bytes) => string.Create(CultureInfo.InvariantCulture, $"{bytes / (1024.0 * 1024 * 1024):0.##} GiB");
}
