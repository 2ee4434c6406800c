// Small statistics over repeated measurements: noisy shared machines make single figures misleading.

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

export const kb = (bytes: number): number => bytes / 1024;
export const round = (value: number, digits = 1): string => value.toFixed(digits);
