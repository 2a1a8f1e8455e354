using System.Runtime.InteropServices;

namespace PSCharRnn.Native;

/// <summary>Sets variables in the process's native environment, where libtorch and OpenMP read them.</summary>
public static partial class NativeEnvironment
{
    // .NET's Environment.SetEnvironmentVariable keeps its own copy on Unix: native code never sees it.
    [LibraryImport("libc", EntryPoint = "setenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int SetEnv(string name, string value, int overwrite);

    [LibraryImport("libc", EntryPoint = "getenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial IntPtr GetEnv(string name);

    /// <summary>Sets a variable unless the user already set it (natively or in .NET); returns the value in force.</summary>
    public static string SetDefault(string name, string value)
    {
        string? existing = Get(name) ?? Environment.GetEnvironmentVariable(name);
        string effective = existing ?? value;
        if (!OperatingSystem.IsWindows()) SetEnv(name, effective, 1);
        Environment.SetEnvironmentVariable(name, effective);
        return effective;
    }

    public static string? Get(string name)
    {
        if (OperatingSystem.IsWindows()) return Environment.GetEnvironmentVariable(name);
        IntPtr value = GetEnv(name);
        return value == IntPtr.Zero ? null : Marshal.PtrToStringUTF8(value);
    }
}
