interface Point { x: number; y: number }
export function dist(a: Point, b: Point = { x: 0, y: 0 }): number {
  return Math.hypot(a.x - b.x, a.y - b.y);
}
export const enum Color { Red = "r", Green = "g" }
export class Shape<T extends Point> {
  #points: T[] = [];
  add(p: T): this { this.#points.push(p); return this; }
  get size() { return this.#points.length; }
}
console.log(dist({ x: 3, y: 4 }), Color.Green, new Shape().add({ x: 1, y: 1 }).size);
