namespace Backazon.Backend.Messages;

/// <summary>Queued when a device commits a batch: catalog commit <paramref name="CommitId"/>.</summary>
public sealed record CatalogMessage(string AccountId, string DeviceId, string CommitId);
