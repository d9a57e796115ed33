package dev.slipway.bench.quantize;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * A temporary directory for one contender: the patch file, the plan, the backup of the originals (hundreds of MB
 * at the default sizes) and the peer's report. Deleted on close so that runs do not pile up backups on disk.
 */
final class ScratchDirectory implements AutoCloseable {
    private final Path path;

    private ScratchDirectory(Path path) {
        this.path = path;
    }

    static ScratchDirectory create(String purpose) {
        try {
            return new ScratchDirectory(Files.createTempDirectory("slipway-bench-quantize-" + purpose + "-"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a temp directory for " + purpose, e);
        }
    }

    Path path() {
        return path;
    }

    Path resolve(String name) {
        return path.resolve(name);
    }

    /** Writes the benchmark's patch, the way a person hands one to a migrator, and returns the file. */
    Path writePatch() {
        Path file = path.resolve("patch.yaml");
        try {
            Files.writeString(file, VectorCorpus.PATCH_YAML, StandardCharsets.UTF_8);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the patch to " + file, e);
        }
    }

    @Override
    public void close() {
        try (Stream<Path> paths = Files.walk(path)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | UncheckedIOException e) {
            // best effort: a leftover temp directory is not worth failing the benchmark for
        }
    }
}
