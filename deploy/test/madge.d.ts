// The part of madge's API the import-cycle check uses (madge ships no types).
declare module 'madge' {
  interface MadgeConfig {
    fileExtensions?: string[];
    tsConfig?: string;
    baseDir?: string;
  }
  interface MadgeResult {
    /** module -> the modules it imports, paths relative to the common base directory */
    obj(): Record<string, string[]>;
    /** each cycle as the list of modules on it */
    circular(): string[][];
    /** imports madge could not resolve */
    warnings(): { skipped: string[] };
  }
  function madge(path: string | string[], config?: MadgeConfig): Promise<MadgeResult>;
  export = madge;
}
