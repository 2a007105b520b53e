using Backazon.Bench.Dataset;
using Backazon.Bench.Measuring;

namespace Backazon.Bench;

/// <summary>One tool's run of one step, with what it cost on the wire and on the servers. Sent,
/// received and requests are null where the proxy cannot see them (a local repository, an
/// unproxied reference run).</summary>
public sealed record StepResult(
    string Step,
    string Tool,
    DatasetStats Tree,
    ProcessRun Run,
    long? SentBytes,
    long? ReceivedBytes,
    long? Requests,
    Traffic Backend,
    ServerCpuTime ServerCpu,
    string Note)
{
    public double Seconds => Run.Wall.TotalSeconds;
    public double MegabytesPerSecond => Tree.Bytes / 1e6 / Seconds;
    public double FilesPerSecond => Tree.Files / Seconds;

    /// <summary>What crossed the wire in the step's direction: sent for a backup, received for a restore.</summary>
    public long? Transferred => Step == BenchRun.RestoreStep ? ReceivedBytes : SentBytes;
}

/// <summary>CPU time the servers used during a step: the backend's process and Azurite's.</summary>
public sealed record ServerCpuTime(TimeSpan Backend, TimeSpan Azurite);
