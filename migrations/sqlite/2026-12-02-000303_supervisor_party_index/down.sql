DROP INDEX case_parties_supervisor;
