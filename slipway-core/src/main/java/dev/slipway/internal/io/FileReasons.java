package dev.slipway.internal.io;

import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;

/** Why a file or directory could not be made, for messages: the system's reason, not only the path it names. */
public final class FileReasons {
    private FileReasons() {
    }

    /**
     * The file and the reason of a {@link FileSystemException} (whose message is often only the path: "/proc/x");
     * the message of any other exception.
     */
    public static String of(Exception e) {
        if (e instanceof FileSystemException failed && failed.getFile() != null) {
            return failed.getFile() + ": " + why(e);
        }
        return why(e);
    }

    /** As {@link #of}, without the file it names (a probe's temporary file, say, which means nothing to a user). */
    public static String why(Exception e) {
        if (e instanceof FileSystemException failed) {
            return failed.getReason() != null ? failed.getReason()
                    : e instanceof AccessDeniedException ? "permission denied"
                    : e instanceof NoSuchFileException ? "the file system does not allow it"
                    : e instanceof FileAlreadyExistsException ? "a file of that name exists"
                    : "refused";
        }
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }
}
