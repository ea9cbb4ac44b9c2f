const { format, addDays, differenceInCalendarDays, parseISO, formatDistanceStrict, isLeapYear } = require("date-fns");
const d = new Date(2020, 1, 27, 10, 30);
console.log(format(d, "yyyy-MM-dd HH:mm EEEE"), format(addDays(d, 3), "PPP"));
console.log(differenceInCalendarDays(parseISO("2021-03-01"), parseISO("2021-02-01")), isLeapYear(d));
console.log(formatDistanceStrict(d, addDays(d, 45)));
