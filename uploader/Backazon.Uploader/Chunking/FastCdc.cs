using System.Security.Cryptography;

namespace Backazon.Uploader.Chunking;

/// <summary>One content-defined chunk of a stream: where it starts, how long it is, and the gear
/// hash at its cut point (what decided the cut, not an identity: chunks are named by SHA-256).</summary>
public readonly record struct Chunk(long Offset, int Length, ulong CutHash);

/// <summary>
/// FastCDC (Xia et al., "The Design of Fast Content-Defined Chunking", 2020) with normalized
/// chunking at level 1 and two bytes per step: a cut falls where the rolling gear hash has the
/// mask's bits clear, with a stricter mask before the average size and a looser one after, so
/// chunk sizes cluster near the average. Because cuts depend only on nearby bytes, an insertion
/// moves the cuts around it and leaves every other chunk as it was: what lets a changed big file
/// send only its changed chunks.
/// <para>
/// The gear table is, for each byte value, the MD5 digest of 64 bytes of that value (its first
/// eight bytes, big-endian), as in the C reference implementation, and the
/// masks are the published FastCDC ones (bits spread over the word), so cut points match other
/// implementations of the same algorithm; the unit tests check a reference vector.
/// </para>
/// </summary>
public sealed class FastCdc
{
    public const int MinimumMin = 64;
    public const int MaximumMax = 64 * 1024 * 1024;

    /// <summary>Azure's limit of blocks in one blob.</summary>
    public const int MaxBlocks = 50_000;

    /// <summary>The chunker for a file of this size: an average of 512 KiB (chunks a quarter to four
    /// times that; 0.6 MiB on average in practice), doubled for huge files until even chunks all of
    /// the minimum size stay within <see cref="MaxBlocks"/>. Half a MiB rather than 1 MiB because
    /// an edit costs the chunks it touches: on random data a 1 MiB overwrite sent 2.6 MiB on
    /// average and up to 3.9 MiB with 1 MiB chunks, 1.8 and 2.9 MiB with these.</summary>
    public static FastCdc ForFile(long size)
    {
        var average = 512 * 1024;
        while (size / (average / 4) >= MaxBlocks && average < MaximumMax / 4)
        {
            average *= 2;
        }

        return new FastCdc(average / 4, average, average * 4);
    }

    // By the number of bits the average size has (index 6: 64 bytes ... index 24: 16 MiB);
    // the ends are only reached by the normalization of the smallest and largest averages.
    private static readonly ulong[] Masks =
    [
        0, 0, 0, 0, 0,
        0x0000000001804110, 0x0000000001803110, 0x0000000018035100, 0x0000001800035300,
        0x0000019000353000, 0x0000590003530000, 0x0000d90003530000, 0x0000d90103530000,
        0x0000d90303530000, 0x0000d90313530000, 0x0000d90f03530000, 0x0000d90303537000,
        0x0000d90703537000, 0x0000d90707537000, 0x0000d91707537000, 0x0000d91747537000,
        0x0000d91767537000, 0x0000d93767537000, 0x0000d93777537000, 0x0000d93777577000,
        0x0000db3777577000,
    ];

    private static readonly ulong[] Gear = MakeGear();
    private static readonly ulong[] GearShifted = [.. Gear.Select(g => g << 1)];

    private readonly ulong _maskSmall, _maskLarge, _maskSmallShifted, _maskLargeShifted;

    public FastCdc(int minSize, int averageSize, int maxSize)
    {
        if (minSize < MinimumMin || averageSize <= minSize || maxSize <= averageSize || maxSize > MaximumMax)
        {
            throw new ArgumentOutOfRangeException(nameof(averageSize),
                $"Chunk sizes must grow: {MinimumMin} <= minimum < average < maximum <= {MaximumMax} (got {minSize}, {averageSize}, {maxSize}).");
        }

        (MinSize, AverageSize, MaxSize) = (minSize, averageSize, maxSize);
        var bits = (int)Math.Round(Math.Log2(averageSize));
        if (bits + 1 >= Masks.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(averageSize), $"An average of {averageSize} bytes is more than FastCDC's masks cover.");
        }

        _maskSmall = Masks[bits + 1];
        _maskLarge = Masks[bits - 1];
        _maskSmallShifted = _maskSmall << 1;
        _maskLargeShifted = _maskLarge << 1;
    }

    public int MinSize { get; }
    public int AverageSize { get; }
    public int MaxSize { get; }

    /// <summary>Where the first chunk of <paramref name="source"/> ends, and the hash there. All of
    /// the source when it is no longer than the minimum; at most the maximum.</summary>
    public (ulong Hash, int Length) Cut(ReadOnlySpan<byte> source)
    {
        var remaining = source.Length;
        if (remaining <= MinSize)
        {
            return (0, remaining);
        }

        var center = AverageSize;
        if (remaining > MaxSize)
        {
            remaining = MaxSize;
        }
        else if (remaining < center)
        {
            center = remaining;
        }

        ulong hash = 0;
        // Two bytes per step: the first byte's table is pre-shifted, so one shift of two serves both.
        for (var index = MinSize / 2; index < remaining / 2; index++)
        {
            var (mask, maskShifted) = index < center / 2 ? (_maskSmall, _maskSmallShifted) : (_maskLarge, _maskLargeShifted);
            var at = index * 2;
            hash = (hash << 2) + GearShifted[source[at]];
            if ((hash & maskShifted) == 0)
            {
                return (hash, at);
            }

            hash += Gear[source[at + 1]];
            if ((hash & mask) == 0)
            {
                return (hash, at + 1);
            }
        }

        return (hash, remaining);
    }

    /// <summary>The chunks of a stream, read in buffers of a few maximum chunks: memory stays
    /// bounded whatever the stream's length.</summary>
    public IEnumerable<Chunk> Split(Stream stream)
    {
        var buffer = new byte[Math.Max(4 * MaxSize, 1 << 20)];
        int start = 0, end = 0;
        long offset = 0;
        var eof = false;
        while (true)
        {
            // Keep at least a maximum chunk ahead, so every cut sees what it would in one buffer.
            if (!eof && end - start < MaxSize)
            {
                Buffer.BlockCopy(buffer, start, buffer, 0, end - start);
                (end, start) = (end - start, 0);
                while (end < buffer.Length && stream.Read(buffer, end, buffer.Length - end) is var read and > 0)
                {
                    end += read;
                }

                eof = end < buffer.Length;
            }

            if (start == end)
            {
                yield break;
            }

            var (hash, length) = Cut(buffer.AsSpan(start, end - start));
            yield return new Chunk(offset, length, hash);
            offset += length;
            start += length;
        }
    }

    private static ulong[] MakeGear()
    {
        var gear = new ulong[256];
        var seed = new byte[64];
        for (var i = 0; i < gear.Length; i++)
        {
            Array.Fill(seed, (byte)i);
            gear[i] = System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(MD5.HashData(seed));
        }

        return gear;
    }
}
