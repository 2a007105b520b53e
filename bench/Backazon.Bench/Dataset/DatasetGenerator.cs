namespace Backazon.Bench.Dataset;

/// <summary>
/// Writes a <see cref="DatasetSpec"/> to disk. Half the small files are text (words from a small
/// vocabulary, so they compress about 3:1 as documents do), half random bytes (photos, archives,
/// already-compressed office files). Big files are random: nothing to compress or deduplicate.
/// </summary>
public static class DatasetGenerator
{
    private static readonly string[] TextExtensions = [".txt", ".md", ".csv", ".html", ".json"];
    private static readonly string[] BinaryExtensions = [".jpg", ".pdf", ".docx", ".zip", ".png"];
    private static readonly string[] FolderNames = ["Projects", "Invoices", "Photos", "2024", "2025", "Drafts", "Taxes", "Notes", "Archive", "Client", "Résumés", "日本語"];
    private static readonly string[] Words = ("the of and to in is that for it as was with be by on not he this are or his from at which but have an they you were " +
        "backup invoice meeting project report total amount quarter draft review budget schedule contract summary figure table").Split(' ');

    public static DatasetStats Generate(string root, DatasetSpec spec)
    {
        var random = new Random(spec.Seed);
        Directory.CreateDirectory(root);
        var folders = MakeFolders(root, spec.Folders, random);
        long bytes = 0;
        var time = DatasetSpec.BaseTime;
        for (var i = 0; i < spec.Files; i++)
        {
            var text = random.Next(2) == 0;
            var extensions = text ? TextExtensions : BinaryExtensions;
            var path = Path.Combine(folders[random.Next(folders.Count)], $"file {i:D5}{extensions[random.Next(extensions.Length)]}");
            var content = Content(random, LogNormalSize(random), text);
            File.WriteAllBytes(path, content);
            File.SetLastWriteTimeUtc(path, time = time.AddSeconds(1));
            bytes += content.Length;
        }

        for (var i = 0; i < spec.BigFiles; i++)
        {
            var path = Path.Combine(root, $"big-{i}.bin");
            WriteRandom(path, (long)spec.BigFileMiB << 20, random);
            File.SetLastWriteTimeUtc(path, time = time.AddSeconds(1));
            bytes += (long)spec.BigFileMiB << 20;
        }

        return new DatasetStats(spec.Files + spec.BigFiles, bytes);
    }

    /// <summary>A random tree: each new folder goes under one already made (or the root), up to
    /// five levels deep.</summary>
    private static List<string> MakeFolders(string root, int count, Random random)
    {
        var folders = new List<string> { root };
        for (var i = 0; i < count; i++)
        {
            string parent;
            do
            {
                parent = folders[random.Next(folders.Count)];
            }
            while (Path.GetRelativePath(root, parent).Count(c => c == Path.DirectorySeparatorChar) >= 4);

            var folder = Path.Combine(parent, $"{FolderNames[random.Next(FolderNames.Length)]} {i:D3}");
            Directory.CreateDirectory(folder);
            folders.Add(folder);
        }

        return folders;
    }

    internal static int LogNormalSize(Random random)
    {
        // Box-Muller: a standard normal from two uniforms.
        var normal = Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
        var size = Math.Exp(Math.Log(12 * 1024) + 1.6 * normal);
        return (int)Math.Clamp(size, DatasetSpec.MinFileBytes, DatasetSpec.MaxFileBytes);
    }

    internal static byte[] Content(Random random, int size, bool text)
    {
        var content = new byte[size];
        if (!text)
        {
            random.NextBytes(content);
            return content;
        }

        var at = 0;
        while (at < size)
        {
            var word = Words[random.Next(Words.Length)];
            for (var i = 0; i < word.Length && at < size; i++)
            {
                content[at++] = (byte)word[i];
            }

            if (at < size)
            {
                content[at++] = (byte)(random.Next(12) == 0 ? '\n' : ' ');
            }
        }

        return content;
    }

    private static void WriteRandom(string path, long length, Random random)
    {
        using var file = File.Create(path);
        var chunk = new byte[1 << 20];
        for (long written = 0; written < length; written += chunk.Length)
        {
            random.NextBytes(chunk);
            file.Write(chunk, 0, (int)Math.Min(chunk.Length, length - written));
        }
    }
}

public sealed record DatasetStats(int Files, long Bytes)
{
    /// <summary>What is on disk under <paramref name="root"/> now (after mutations).</summary>
    public static DatasetStats Of(string root)
    {
        var files = Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories).Select(f => new FileInfo(f).Length).ToList();
        return new DatasetStats(files.Count, files.Sum());
    }
}
