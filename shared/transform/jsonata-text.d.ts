/** ./jsonata-source.ts imports the file as text: a string under esbuild, the module under jest and tsx. */
declare module 'jsonata/jsonata.min.js' {
  const source: unknown;
  export default source;
}
