using Microsoft.EntityFrameworkCore;

namespace Backazon.LocalHost.LocalIssuer;

/// <summary>OpenIddict's store (its client, codes, tokens) in memory: the local issuer forgets
/// everything at a restart, which a stand-in for development may.</summary>
public sealed class LocalIssuerDbContext(DbContextOptions<LocalIssuerDbContext> options) : DbContext(options);
