// Example operations GraphiQL opens as tabs after sign-in, chosen by the signed-in user's roles.
// test/router/graphiql-examples.test.ts validates each one against the API schema and checks that every role it is
// offered to may run all of it (the router's own field filter, with that role's scopes).

/** The roles of the auth subgraph (schema/auth.graphql `Role`); the router imports no subgraph code. */
export type ExampleRole = 'ADMIN' | 'STAFF' | 'SUBMITTER' | 'VIEWER';

export const EXAMPLE_ROLES: readonly ExampleRole[] = ['ADMIN', 'STAFF', 'SUBMITTER', 'VIEWER'];

export interface GraphiqlExample {
  /** The operation's name: GraphiQL titles the tab with it. Unique. */
  name: string;
  /** Who gets it. A user with several roles gets the union, each example once. */
  roles: readonly ExampleRole[];
  /** One named operation; comments at its top explain it in the editor. */
  query: string;
  /** Its variables as of `now` (date ranges end today), or none. */
  variables?: (now: Date) => Record<string, unknown>;
}

const DAY = 24 * 3600 * 1000;
/** Midnight UTC of `now`'s day. */
const startOfDay = (now: Date) => new Date(Math.floor(now.getTime() / DAY) * DAY);

export const GRAPHIQL_EXAMPLES: readonly GraphiqlExample[] = [
  {
    name: 'SamplesByStatus',
    roles: ['ADMIN', 'STAFF', 'VIEWER', 'SUBMITTER'],
    query: `# Samples in the given statuses, oldest due date first (a SUBMITTER sees their own samples only).
# Change "status" in the variables: SUBMITTED, RECEIVED, IN_PREP, SEQUENCING, ANALYSIS, COMPLETED, ON_HOLD, FAILED, ...
query SamplesByStatus($status: [SampleStatus!]) {
  samples(filter: { status: $status }, orderBy: { field: DUE_AT, direction: ASC }, first: 50) {
    totalCount
    edges {
      node {
        labSampleId
        name
        status
        stage
        priority
        receivedAt
        dueAt
        assignee {
          name
        }
      }
    }
  }
  dashboard {
    total
    byStatus {
      status
      count
    }
  }
}
`,
    variables: () => ({ status: ['RECEIVED', 'IN_PREP', 'SEQUENCING', 'ANALYSIS'] }),
  },
  {
    name: 'OverdueWork',
    roles: ['ADMIN', 'STAFF', 'VIEWER', 'SUBMITTER'],
    query: `# Open samples past their due date (from priority and receipt), most overdue first.
query OverdueWork {
  samples(filter: { overdue: true }, orderBy: { field: DUE_AT, direction: ASC }, first: 50) {
    totalCount
    edges {
      node {
        labSampleId
        name
        status
        stage
        priority
        dueAt
        enteredStageAt
        assignee {
          name
        }
      }
    }
  }
}
`,
  },
  {
    name: 'TurnaroundPerKit',
    roles: ['ADMIN', 'STAFF', 'VIEWER'],
    query: `# Turnaround (receipt to completion, in hours) per library kit over a period: by default the last 90 days.
query TurnaroundPerKit($from: DateBound!, $to: DateBound!) {
  sampleAnalytics(from: $from, to: $to) {
    from
    to
    turnaround(groupBy: KIT) {
      key
      stats {
        count
        meanHours
        p50Hours
        p90Hours
      }
    }
    turnaroundOverall {
      count
      p50Hours
      p90Hours
    }
    bottleneckStage
  }
}
`,
    variables: (now) => {
      const to = new Date(startOfDay(now).getTime() + DAY);
      return { from: new Date(to.getTime() - 90 * DAY).toISOString(), to: to.toISOString() };
    },
  },
  {
    name: 'SampleAuditTrail',
    roles: ['ADMIN', 'STAFF', 'VIEWER', 'SUBMITTER'],
    query: `# Everything that happened to one sample, newest first: who did it, with which roles, and what changed.
# Put a lab sample id (e.g. from SamplesByStatus) in the variables.
query SampleAuditTrail($labSampleId: String!) {
  sampleByLabId(labSampleId: $labSampleId) {
    labSampleId
    name
    status
    auditTrail(first: 50) {
      totalCount
      edges {
        node {
          occurredAt
          type
          service
          actor {
            name
          }
          actorRoles
          changes {
            field
            from
            to
          }
        }
      }
    }
  }
}
`,
    variables: () => ({ labSampleId: 'JL-147-003' }),
  },
  {
    name: 'TodaysIntake',
    roles: ['ADMIN', 'STAFF'],
    query: `# The intake queue (SUBMITTED and RECEIVED samples, urgent first, then oldest) and today's counts.
query TodaysIntake {
  intakeQueue(first: 100) {
    totalCount
    edges {
      node {
        labSampleId
        name
        status
        priority
        lab
        requesterName
        createdAt
        receivedAt
        owner {
          name
        }
      }
    }
  }
  dashboard {
    completedToday
    overdue
  }
}
`,
  },
];

/** The examples for a user with these roles, in the order above; unknown roles add nothing. */
export function examplesForRoles(roles: readonly string[]): GraphiqlExample[] {
  return GRAPHIQL_EXAMPLES.filter((example) => example.roles.some((role) => roles.includes(role)));
}

/** What the page receives: the examples of every role with their variables as of `now`, as JSON text. */
export function examplesForPage(now: Date): Array<{
  name: string;
  roles: readonly ExampleRole[];
  query: string;
  variables: string | null;
}> {
  return GRAPHIQL_EXAMPLES.map((example) => ({
    name: example.name,
    roles: example.roles,
    query: example.query,
    variables: example.variables ? JSON.stringify(example.variables(now), null, 2) : null,
  }));
}
