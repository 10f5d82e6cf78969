// The custom scalars live in common/ (the router checks their input too); subgraphs take them from here.
export { DateBoundScalar, DateTimeScalar, DurationScalar } from '../../common/scalars.ts';
