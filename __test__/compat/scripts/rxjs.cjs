const { of, from, interval, lastValueFrom } = require("rxjs");
const { map, filter, toArray, take, scan, mergeMap } = require("rxjs/operators");
of(1, 2, 3, 4, 5).pipe(filter((x) => x % 2), map((x) => x * 10), toArray()).subscribe((v) => console.log(JSON.stringify(v)));
from([1, 2, 3]).pipe(scan((a, b) => a + b, 0)).subscribe({ next: (v) => console.log("sum", v), complete: () => console.log("done") });
lastValueFrom(interval(5).pipe(take(3), mergeMap((i) => of(i, i * 100)), toArray())).then((v) => console.log("interval", JSON.stringify(v)));
