/** The benchmark's baseline activity: does nothing but echo. */
export function createHelloActivities() {
  return {
    async noop(name: string): Promise<string> {
      return `hello, ${name}`;
    },
  };
}

export type HelloActivities = ReturnType<typeof createHelloActivities>;
