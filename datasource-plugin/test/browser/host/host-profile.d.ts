declare module 'homeostat-host-profile' {
  export const sharedExtras: Record<string, unknown>;
}
