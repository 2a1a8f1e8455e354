using PSCharRnn.Model;

namespace PSCharRnn.Training;

/// <summary>
/// How the trainer writes a model to a file without knowing the file's format: <see cref="Write"/> throws a
/// <see cref="PSCharRnnException"/> with <see cref="WriteFailedId"/> when the file cannot be written, which the
/// trainer's SaveFailed may handle by carrying on.
/// </summary>
public sealed record ModelWriter(Action<RnnModel, string> Write, string WriteFailedId);
