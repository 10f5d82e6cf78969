// The custom scalars live in common/ (the router checks their input too); subgraphs take them from here.
export { DateTimeScalar } from '../../common/scalars.ts';
