using System.Reflection;
using System.Reflection.Emit;
using PSCharRnn.Model;
using TorchSharp;
using Xunit;

namespace PSCharRnn.Tests;

public class InteropTests
{
    /// <summary>
    /// TorchSharp's Scalar frees its native value in a finalizer, and a method taking one reads its handle and calls
    /// libtorch without keeping it alive. A Scalar converted implicitly for one call is unreachable during that call, so
    /// a collection can free it while libtorch still reads it (a CI run failed in Scalar::toDouble inside add_). The
    /// module's code therefore makes each Scalar explicitly and holds it in a using for as long as libtorch reads it.
    /// </summary>
    [Fact]
    public void TheModulesCodeConvertsNoScalarImplicitly()
    {
        var implicitConversions = typeof(Scalar).GetMethods(BindingFlags.Public | BindingFlags.Static)
            .Where(m => m.Name == "op_Implicit").ToHashSet();
        Assert.NotEmpty(implicitConversions);

        var callers = MethodsOf(typeof(RnnModel).Assembly)
            .Where(method => Callees(method).Any(implicitConversions.Contains))
            .Select(method => $"{method.DeclaringType}.{method.Name}")
            .ToList();

        Assert.Empty(callers);
    }

    [Fact]
    public void TheScanFindsAnImplicitScalar()
    {
        var implicitConversions = typeof(Scalar).GetMethods(BindingFlags.Public | BindingFlags.Static)
            .Where(m => m.Name == "op_Implicit").ToHashSet();
        var converting = typeof(InteropTests).GetMethod(nameof(ScaleImplicitly), BindingFlags.NonPublic | BindingFlags.Static)!;
        var holding = typeof(InteropTests).GetMethod(nameof(ScaleWithAHeldScalar), BindingFlags.NonPublic | BindingFlags.Static)!;

        Assert.Contains(Callees(converting), implicitConversions.Contains);
        Assert.DoesNotContain(Callees(holding), implicitConversions.Contains);
    }

    private static torch.Tensor ScaleImplicitly(torch.Tensor t, double factor) => t.mul_(factor);

    private static torch.Tensor ScaleWithAHeldScalar(torch.Tensor t, double factor)
    {
        using var scalar = factor.ToScalar();
        return t.mul_(scalar);
    }

    private static IEnumerable<MethodBase> MethodsOf(Assembly assembly)
    {
        const BindingFlags all = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
        return assembly.GetTypes().SelectMany(t => t.GetMethods(all).Cast<MethodBase>().Concat(t.GetConstructors(all)));
    }

    private static readonly Dictionary<short, OpCode> OpCodesByValue = typeof(OpCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (OpCode)f.GetValue(null)!)
        .ToDictionary(o => o.Value);

    /// <summary>The methods a method's IL calls, found by walking its instructions.</summary>
    private static IEnumerable<MethodBase> Callees(MethodBase method)
    {
        var il = method.GetMethodBody()?.GetILAsByteArray() ?? [];
        var typeArguments = method.DeclaringType?.IsGenericType == true ? method.DeclaringType.GetGenericArguments() : null;
        var methodArguments = method.IsGenericMethod ? method.GetGenericArguments() : null;
        for (int i = 0; i < il.Length;)
        {
            short value = il[i] == 0xFE ? (short)(0xFE00 | il[i + 1]) : il[i];
            var opCode = OpCodesByValue[value];
            i += opCode.Size;
            if (opCode.OperandType == OperandType.InlineMethod)
                yield return method.Module.ResolveMethod(BitConverter.ToInt32(il, i), typeArguments, methodArguments)!;
            i += OperandSize(opCode.OperandType, il, i);
        }
    }

    private static int OperandSize(OperandType operand, byte[] il, int at) => operand switch
    {
        OperandType.InlineNone => 0,
        OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar => 1,
        OperandType.InlineVar => 2,
        OperandType.InlineI8 or OperandType.InlineR => 8,
        OperandType.InlineSwitch => 4 + 4 * BitConverter.ToInt32(il, at),
        _ => 4,
    };
}
