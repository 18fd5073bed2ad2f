package dev.sluice.testing;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

/**
 * The router's Lambda zip ({@code functions/router/target/sluice-router-lambda.zip}) unpacked into a task root the
 * way Lambda unpacks it, for the tests and benchmarks that run its {@code run.sh}.
 */
public final class RouterLambdaZip {
    /** The class-data archive and its JDK identity, as the zip holds them. */
    public static final List<String> CLASS_DATA_FILES = List.of("lib/router.jsa", "lib/router.jsa.jdk");

    /** Where a task root's class-data archive came from. */
    public enum ClassData {
        /** The zip held it: packaged with the JDK Lambda's java21 runtime runs. */
        FROM_THE_ZIP,
        /** The zip left it out (packaged with another JDK); the one the build made for its JDK was put in its place. */
        MADE_BY_THE_BUILD,
        /** The build made none ({@code -Dsluice.cds=off}, {@code -Dmaven.test.skip=true}). */
        NONE
    }

    private RouterLambdaZip() {}

    /**
     * Unpacks {@code zip} into a new temporary directory as Lambda does: each file with the Unix mode the zip records
     * for it (so a missing exec bit on {@code run.sh} shows) and its entry's modification time, as {@code unzip}
     * restores it (the class-data archive checks the jar's time). The caller deletes it with {@link #delete}.
     */
    public static Path unpack(Path zip) throws IOException {
        Path root = Files.createTempDirectory("sluice-task-root");
        Map<String, Integer> modes = unixModes(zip);
        try (ZipInputStream in = new ZipInputStream(Files.newInputStream(zip))) {
            for (ZipEntry entry = in.getNextEntry(); entry != null; entry = in.getNextEntry()) {
                Path file = root.resolve(entry.getName()).normalize();
                if (!file.startsWith(root)) {
                    throw new IOException(entry.getName() + " would be outside the task root");
                }
                if (entry.isDirectory()) {
                    Files.createDirectories(file);
                    continue;
                }
                Files.createDirectories(file.getParent());
                Files.copy(in, file);
                Files.setPosixFilePermissions(file, permissions(modes.getOrDefault(entry.getName(), 0644)));
                Files.setLastModifiedTime(file, entry.getLastModifiedTime());
            }
        }
        return root;
    }

    /**
     * Puts the class-data archive the build made ({@code target/cds/}, beside the zip) into the task root when the zip
     * left it out because the build's JDK is not one Lambda runs: the task root is then what a zip packaged with
     * Lambda's JDK unpacks to.
     */
    public static ClassData addClassDataArchive(Path zip, Path root) throws IOException {
        if (Files.exists(root.resolve(CLASS_DATA_FILES.getFirst()))) {
            return ClassData.FROM_THE_ZIP;
        }
        Path made = zip.resolveSibling("cds");
        if (!Files.exists(made.resolve("router.jsa"))) {
            return ClassData.NONE;
        }
        for (String file : CLASS_DATA_FILES) {
            Path name = Path.of(file).getFileName();
            Files.copy(made.resolve(name), root.resolve(file), StandardCopyOption.COPY_ATTRIBUTES);
        }
        return ClassData.MADE_BY_THE_BUILD;
    }

    /**
     * Each entry's Unix mode, from the zip's central directory (the high 16 bits of the external attributes of
     * entries made on Unix); {@link ZipEntry} does not expose it.
     */
    public static Map<String, Integer> unixModes(Path zip) throws IOException {
        ByteBuffer data = ByteBuffer.wrap(Files.readAllBytes(zip)).order(ByteOrder.LITTLE_ENDIAN);
        int end = data.limit() - 22;
        while (end >= 0 && data.getInt(end) != 0x06054b50) {
            end--;
        }
        if (end < 0) {
            throw new IOException(zip + " has no end of central directory");
        }
        int entries = Short.toUnsignedInt(data.getShort(end + 10));
        int offset = data.getInt(end + 16);
        Map<String, Integer> modes = new LinkedHashMap<>();
        for (int i = 0; i < entries; i++) {
            if (data.getInt(offset) != 0x02014b50) {
                throw new IOException(zip + ": no central directory header at " + offset);
            }
            int madeBy = Short.toUnsignedInt(data.getShort(offset + 4)) >> 8;
            int nameLength = Short.toUnsignedInt(data.getShort(offset + 28));
            int extraLength = Short.toUnsignedInt(data.getShort(offset + 30));
            int commentLength = Short.toUnsignedInt(data.getShort(offset + 32));
            int external = data.getInt(offset + 38);
            String name = new String(data.array(), offset + 46, nameLength, StandardCharsets.UTF_8);
            modes.put(name, madeBy == 3 ? external >>> 16 : 0);
            offset += 46 + nameLength + extraLength + commentLength;
        }
        return modes;
    }

    /** Deletes a task root and everything in it; nothing when it is null or gone. */
    public static void delete(Path root) throws IOException {
        if (root == null || !Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        }
    }

    private static Set<PosixFilePermission> permissions(int mode) {
        Set<PosixFilePermission> permissions = EnumSet.noneOf(PosixFilePermission.class);
        PosixFilePermission[] bits = PosixFilePermission.values(); // OWNER_READ .. OTHERS_EXECUTE, high to low
        for (int i = 0; i < bits.length; i++) {
            if ((mode & (1 << (8 - i))) != 0) {
                permissions.add(bits[i]);
            }
        }
        return permissions;
    }
}
