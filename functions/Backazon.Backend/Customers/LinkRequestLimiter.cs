using System.Threading.RateLimiting;
using Backazon.Backend.Errors;
using Microsoft.Extensions.Options;

namespace Backazon.Backend.Customers;

/// <summary>
/// How many link requests (RFC 8628 device authorization, anonymous by nature) one client address
/// may make: <see cref="CustomerSignInOptions.LinkRequestsPerAddress"/> per window, counted in
/// this instance's memory (a fixed window per address, from System.Threading.RateLimiting).
/// What it protects: one address cannot fill the table or crowd out others through one instance.
/// What it does not: when Functions scales out, each instance counts on its own, so an address may
/// make that many per instance; and many addresses together are not bounded here. The bound that
/// holds across instances is <see cref="DeviceLinkService"/>'s ceiling on open codes, read from
/// storage.
/// </summary>
public sealed class LinkRequestLimiter : IDisposable
{
    private readonly PartitionedRateLimiter<string> _limiter;
    private readonly CustomerSignInOptions _options;

    public LinkRequestLimiter(IOptions<CustomerSignInOptions> options)
    {
        _options = options.Value;
        var window = TimeSpan.FromMinutes(_options.LinkRequestWindowMinutes);
        _limiter = PartitionedRateLimiter.Create<string, string>(address => RateLimitPartition.GetFixedWindowLimiter(address, _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = _options.LinkRequestsPerAddress,
            Window = window,
            QueueLimit = 0,
        }));
    }

    /// <summary>Takes one request of <paramref name="address"/>, or refuses it saying when to retry.</summary>
    public void Take(string address)
    {
        using var lease = _limiter.AttemptAcquire(address);
        if (!lease.IsAcquired)
        {
            var wait = lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? retryAfter : TimeSpan.FromMinutes(_options.LinkRequestWindowMinutes);
            throw BackazonException.TooMany(
                $"Too many requests to link a computer from this address: at most {_options.LinkRequestsPerAddress} per {_options.LinkRequestWindowMinutes} minutes. " +
                $"Try again within {Math.Ceiling(wait.TotalMinutes)} minute(s).", wait);
        }
    }

    public void Dispose() => _limiter.Dispose();
}
