namespace Backazon.Backend.Customers;

/// <summary>Who signed in: an identity at the configured issuer, before we know its account.</summary>
public sealed record CustomerIdentity(string Issuer, string Subject, string? Email);

/// <summary>A signed-in member: every customer call is scoped to this account.</summary>
public sealed record CustomerCaller(string AccountId, string MemberId, CustomerIdentity Identity);
