namespace Backazon.Bench.Measuring;

/// <summary>Passes reads or writes through to another stream, reporting how many bytes went by,
/// at the pace of one direction of a <see cref="NetworkLink"/> when given one.</summary>
public sealed class CountingStream(Stream inner, Action<long> count, LinePace? pace = null) : Stream
{
    public override bool CanRead => inner.CanRead;
    public override bool CanSeek => false;
    public override bool CanWrite => inner.CanWrite;
    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int length) => ReadAsync(buffer.AsMemory(offset, length)).AsTask().GetAwaiter().GetResult();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var read = await inner.ReadAsync(buffer, cancellationToken);
        count(read);
        if (pace is not null)
        {
            await pace.SendAsync(read, cancellationToken);
        }

        return read;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int length, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, length), cancellationToken).AsTask();

    public override void Write(byte[] buffer, int offset, int length) => WriteAsync(buffer.AsMemory(offset, length)).AsTask().GetAwaiter().GetResult();

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (pace is not null)
        {
            await pace.SendAsync(buffer.Length, cancellationToken);
        }

        await inner.WriteAsync(buffer, cancellationToken);
        count(buffer.Length);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int length, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, length), cancellationToken).AsTask();

    public override void Flush() => inner.Flush();

    public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();
}
