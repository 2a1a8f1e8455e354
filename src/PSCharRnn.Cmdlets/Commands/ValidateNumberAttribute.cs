using System.Globalization;
using System.Management.Automation;

namespace PSCharRnn.Commands;

/// <summary>
/// ValidateRange for real numbers that also names NaN for what it is: ValidateRange calls NaN "less than the
/// minimum", since every comparison with NaN is false.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
public sealed class ValidateNumberAttribute : ValidateEnumeratedArgumentsAttribute
{
    public ValidateNumberAttribute(double minimum, double maximum) => (Minimum, Maximum) = (minimum, maximum);

    public double Minimum { get; }
    public double Maximum { get; }

    protected override void ValidateElement(object element)
    {
        double value = Convert.ToDouble(element is PSObject p ? p.BaseObject : element, CultureInfo.InvariantCulture);
        string range = string.Create(CultureInfo.InvariantCulture, $"from {Minimum} to {Maximum}");
        if (double.IsNaN(value))
            throw new ValidationMetadataException($"NaN is not a number: give a value {range}.");
        if (value < Minimum || value > Maximum)
            throw new ValidationMetadataException(string.Create(CultureInfo.InvariantCulture, $"{value} is outside the range {range}."));
    }
}
