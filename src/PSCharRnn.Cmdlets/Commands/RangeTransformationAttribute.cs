using System.Globalization;
using System.Management.Automation;

namespace PSCharRnn.Commands;

/// <summary>
/// Lets an integer-array parameter take a range as typed in a command's arguments: '-LineLength 5..9' arrives as the
/// string "5..9" there (only '(5..9)' is evaluated); both become 5, 6, 7, 8, 9.
/// </summary>
public sealed class RangeTransformationAttribute : ArgumentTransformationAttribute
{
    public override object Transform(EngineIntrinsics engineIntrinsics, object inputData)
    {
        if ((inputData is PSObject p ? p.BaseObject : inputData) is not string text) return inputData;
        var ends = text.Split("..");
        if (ends.Length == 2 && int.TryParse(ends[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out int from)
            && int.TryParse(ends[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out int to))
            return Enumerable.Range(Math.Min(from, to), Math.Abs(to - from) + 1).ToArray();
        return inputData;
    }
}
