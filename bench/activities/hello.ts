/** The activity of the benchmark's baseline workflow (bench/workflows/hello.ts): does nothing but echo. */
export function createHelloActivities() {
  return {
    async noop(name: string): Promise<string> {
      return `hello, ${name}`;
    },
  };
}

/** The activities {@link createHelloActivities} makes, for the workflow's typed proxy. */
export type HelloActivities = ReturnType<typeof createHelloActivities>;
