/** Byte counts for messages, one way everywhere: 900 B, 1.5 KiB, 192.0 MiB, 1.86 GiB. */
export function formatBytes(bytes: number, trim = false): string {
  const KiB = 1024;
  const MiB = 1024 * KiB;
  const text =
    bytes < KiB
      ? `${bytes} B`
      : bytes < MiB
        ? `${(bytes / KiB).toFixed(1)} KiB`
        : bytes < 1024 * MiB
          ? `${(bytes / MiB).toFixed(1)} MiB`
          : `${(bytes / (1024 * MiB)).toFixed(2)} GiB`;
  // `trim` drops a zero fraction, for round limits ("the 256 MiB import limit").
  return trim ? text.replace(/\.0+ /, ' ') : text;
}
