namespace PSCharRnn.Files;

/// <summary>The module's per-user folder: the downloaded corpus, the measured matrix-product plans.</summary>
public static class UserData
{
    /// <summary>$XDG_DATA_HOME/PSCharRnn, ~/.local/share/PSCharRnn, or %LOCALAPPDATA%\PSCharRnn.</summary>
    public static string Folder
    {
        get
        {
            if (OperatingSystem.IsWindows())
                return Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData), "PSCharRnn");
            string? xdg = Environment.GetEnvironmentVariable("XDG_DATA_HOME");
            string root = string.IsNullOrWhiteSpace(xdg)
                ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "share")
                : xdg;
            return Path.Combine(root, "PSCharRnn");
        }
    }
}
