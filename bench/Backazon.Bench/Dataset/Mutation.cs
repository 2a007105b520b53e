namespace Backazon.Bench.Dataset;

/// <summary>
/// One change to the tree between two backups, as a person's week makes them. Each is seeded
/// from the spec, picks its files from the sorted listing, and moves the times it touches to a
/// fixed later moment, so every tool sees the same change.
/// </summary>
public abstract record Mutation(string Name)
{
    public static IReadOnlyList<Mutation> All { get; } =
    [
        new EditSmallFiles(),
        new AddAndDeleteFiles(),
        new OverwriteInsideBigFile(),
        new InsertNearStartOfBigFile(),
    ];

    public void Apply(string root, DatasetSpec spec, int step)
    {
        var random = new Random(spec.Seed * 100 + step);
        Change(root, spec, random, DatasetSpec.BaseTime.AddDays(step));
    }

    protected abstract void Change(string root, DatasetSpec spec, Random random, DateTime time);

    protected static List<string> SmallFiles(string root) =>
        [.. Directory.EnumerateFiles(root, "file *", SearchOption.AllDirectories).Order(StringComparer.Ordinal)];

    protected static string BigFile(string root) => Path.Combine(root, "big-0.bin");
}

/// <summary>1% of the small files get a paragraph rewritten and a line added at the end.</summary>
public sealed record EditSmallFiles() : Mutation("edit 1% of small files")
{
    protected override void Change(string root, DatasetSpec spec, Random random, DateTime time)
    {
        var files = SmallFiles(root);
        foreach (var file in files.OrderBy(_ => random.Next()).Take(Math.Max(1, files.Count / 100)))
        {
            var content = File.ReadAllBytes(file);
            var paragraph = DatasetGenerator.Content(random, Math.Min(200, content.Length), text: true);
            paragraph.CopyTo(content, random.Next(content.Length - paragraph.Length + 1));
            File.WriteAllBytes(file, [.. content, .. DatasetGenerator.Content(random, 80, text: true)]);
            File.SetLastWriteTimeUtc(file, time);
        }
    }
}

/// <summary>A few new files appear, a few others are deleted.</summary>
public sealed record AddAndDeleteFiles() : Mutation("add 20, delete 10 small files")
{
    protected override void Change(string root, DatasetSpec spec, Random random, DateTime time)
    {
        var files = SmallFiles(root);
        foreach (var file in files.OrderBy(_ => random.Next()).Take(10))
        {
            File.Delete(file);
        }

        var folder = Directory.CreateDirectory(Path.Combine(root, "New downloads")).FullName;
        for (var i = 0; i < 20; i++)
        {
            var path = Path.Combine(folder, $"file added {i:D2}.pdf");
            File.WriteAllBytes(path, DatasetGenerator.Content(random, DatasetGenerator.LogNormalSize(random), text: false));
            File.SetLastWriteTimeUtc(path, time);
        }
    }
}

/// <summary>1 MiB rewritten in the middle of a big file (a disk image, a database): same size.</summary>
public sealed record OverwriteInsideBigFile() : Mutation("overwrite 1 MiB inside a big file")
{
    protected override void Change(string root, DatasetSpec spec, Random random, DateTime time)
    {
        var path = BigFile(root);
        var patch = new byte[1 << 20];
        random.NextBytes(patch);
        using (var file = new FileStream(path, FileMode.Open, FileAccess.Write))
        {
            file.Position = Math.Max(0, file.Length / 2 - patch.Length / 2);
            file.Write(patch);
        }

        File.SetLastWriteTimeUtc(path, time);
    }
}

/// <summary>4 KiB inserted 64 KiB into a big file: every later byte moves, which defeats
/// fixed-size blocks and not content-defined chunks.</summary>
public sealed record InsertNearStartOfBigFile() : Mutation("insert 4 KiB near the start of a big file")
{
    private const int Offset = 64 * 1024;

    protected override void Change(string root, DatasetSpec spec, Random random, DateTime time)
    {
        var path = BigFile(root);
        var inserted = new byte[4096];
        random.NextBytes(inserted);
        var rewritten = path + ".rewrite";
        using (var source = File.OpenRead(path))
        using (var target = File.Create(rewritten))
        {
            var head = new byte[Math.Min(Offset, source.Length)];
            source.ReadExactly(head);
            target.Write(head);
            target.Write(inserted);
            source.CopyTo(target);
        }

        File.Move(rewritten, path, overwrite: true);
        File.SetLastWriteTimeUtc(path, time);
    }
}
