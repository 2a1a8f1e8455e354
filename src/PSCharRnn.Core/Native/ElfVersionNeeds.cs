using System.Text;

namespace PSCharRnn.Native;

/// <summary>
/// Reads and relaxes the symbol-version needs (.gnu.version_r) of a 64-bit little-endian ELF file.
/// TorchSharp's libLibTorchSharp.so asks for GLIBCXX_3.4.32 only for a dummy symbol that GCC 13 adds
/// (std::ios_base_library_init, never relocated); marking that need weak lets older libstdc++ load it.
/// </summary>
public static class ElfVersionNeeds
{
    private const uint SectionTypeVersionNeed = 0x6ffffffe;
    private const ushort VersionFlagWeak = 0x2;

    public sealed record VersionNeed(string Library, string Version, bool IsWeak, long FlagsOffset);

    public static IReadOnlyList<VersionNeed> Read(string path)
    {
        var bytes = File.ReadAllBytes(path);
        return Read(bytes);
    }

    public static IReadOnlyList<VersionNeed> Read(byte[] elf)
    {
        if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != (byte)'E' || elf[2] != (byte)'L' || elf[3] != (byte)'F')
            throw new InvalidDataException("Not an ELF file.");
        if (elf[4] != 2 || elf[5] != 1)
            throw new InvalidDataException("Only 64-bit little-endian ELF files are supported.");

        long sectionTableOffset = (long)BitConverter.ToUInt64(elf, 0x28);
        int sectionEntrySize = BitConverter.ToUInt16(elf, 0x3A);
        int sectionCount = BitConverter.ToUInt16(elf, 0x3C);
        var needs = new List<VersionNeed>();
        for (int i = 0; i < sectionCount; i++)
        {
            long header = sectionTableOffset + (long)i * sectionEntrySize;
            if (BitConverter.ToUInt32(elf, (int)header + 4) != SectionTypeVersionNeed) continue;

            long offset = (long)BitConverter.ToUInt64(elf, (int)header + 0x18);
            uint linkedStrings = BitConverter.ToUInt32(elf, (int)header + 0x28);
            uint entryCount = BitConverter.ToUInt32(elf, (int)header + 0x2C);
            long stringsHeader = sectionTableOffset + (long)linkedStrings * sectionEntrySize;
            long strings = (long)BitConverter.ToUInt64(elf, (int)stringsHeader + 0x18);

            long need = offset;
            for (uint n = 0; n < entryCount; n++)
            {
                int auxCount = BitConverter.ToUInt16(elf, (int)need + 2);
                string library = ReadString(elf, strings + BitConverter.ToUInt32(elf, (int)need + 4));
                long aux = need + BitConverter.ToUInt32(elf, (int)need + 8);
                for (int a = 0; a < auxCount; a++)
                {
                    ushort flags = BitConverter.ToUInt16(elf, (int)aux + 4);
                    string version = ReadString(elf, strings + BitConverter.ToUInt32(elf, (int)aux + 8));
                    needs.Add(new VersionNeed(library, version, (flags & VersionFlagWeak) != 0, aux + 4));
                    aux += BitConverter.ToUInt32(elf, (int)aux + 12);
                }
                need += BitConverter.ToUInt32(elf, (int)need + 12);
            }
        }
        return needs;
    }

    /// <summary>Marks the named version needs weak; writes a temporary copy and renames it over the file.</summary>
    /// <returns>How many needs were changed (0 leaves the file untouched).</returns>
    public static int MakeWeak(string path, ISet<string> versions)
    {
        var elf = File.ReadAllBytes(path);
        int changed = 0;
        foreach (var need in Read(elf))
        {
            if (need.IsWeak || !versions.Contains(need.Version)) continue;
            ushort flags = (ushort)(BitConverter.ToUInt16(elf, (int)need.FlagsOffset) | VersionFlagWeak);
            BitConverter.GetBytes(flags).CopyTo(elf, need.FlagsOffset);
            changed++;
        }
        if (changed == 0) return 0;

        string temporary = path + ".patching";
        File.WriteAllBytes(temporary, elf);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(temporary, File.GetUnixFileMode(path));
        File.Move(temporary, path, overwrite: true);
        return changed;
    }

    private static string ReadString(byte[] elf, long offset)
    {
        int end = Array.IndexOf(elf, (byte)0, (int)offset);
        return Encoding.ASCII.GetString(elf, (int)offset, end - (int)offset);
    }
}
